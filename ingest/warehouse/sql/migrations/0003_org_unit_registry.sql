-- The org-unit registry (city → county → township/street → village/community/branch),
-- reloaded from ingest/contract/orgunits.py for the deployment's region on every `warehouse up`.
create table if not exists raw.org_unit (
    org_unit_code text primary key,
    org_unit_name text not null,
    unit_type text not null,
    unit_level text not null check (unit_level in ('city', 'county', 'township', 'village')),
    parent_code text,
    loaded_at timestamptz not null default now()
);
comment on table raw.org_unit is '组织单位名录（市、县、乡镇街道、村社区）/ org-unit registry';
