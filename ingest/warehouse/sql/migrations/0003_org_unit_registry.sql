-- The org-unit registry (reloaded for the deployment's region on every `warehouse up`).
-- Applied once, in order, and recorded in quality.schema_migration (ingest/warehouse/embedded.py).
-- 0001-0006 are the baseline: idempotent, so a warehouse made before migrations were numbered
-- catches up. Never edit an applied migration: add one with the next number.

-- The org-unit registry (city → county → township/street → village/community/branch),
-- reloaded from ingest/contract/orgunits.py for the deployment's region on every bootstrap.
create table if not exists raw.org_unit (
    org_unit_code text primary key,
    org_unit_name text not null,
    unit_type text not null,
    unit_level text not null check (unit_level in ('city', 'county', 'township', 'village')),
    parent_code text,
    loaded_at timestamptz not null default now()
);
comment on table raw.org_unit is '组织单位名录（市、县、乡镇街道、村社区）/ org-unit registry';
