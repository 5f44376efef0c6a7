-- The registry as data (统计用区划代码): one row per version of a unit, so a merged or
-- renamed village keeps its history. valid_from is '-infinity' for a unit known since
-- always; valid_to is null while it is in force. Loaded from the registry file by
-- ingest/warehouse/registry.py (`warehouse up`, `dangjian registry load`). Idempotent, like
-- the baseline, so a warehouse whose ledger was lost can run it again.
alter table raw.org_unit add column if not exists urban_rural_class text;
alter table raw.org_unit add column if not exists valid_from date not null default '-infinity';
alter table raw.org_unit add column if not exists valid_to date;
alter table raw.org_unit drop constraint if exists org_unit_pkey;
alter table raw.org_unit add constraint org_unit_pkey primary key (org_unit_code, valid_from);
alter table raw.org_unit drop constraint if exists org_unit_validity;
alter table raw.org_unit add constraint org_unit_validity check (valid_to is null or valid_to > valid_from);
comment on column raw.org_unit.urban_rural_class is '城乡分类代码（村级）/ urban-rural class';
comment on column raw.org_unit.valid_from is '起用日期（-infinity：一直有效）/ in force from';
comment on column raw.org_unit.valid_to is '停用日期（空：现行）/ in force until, exclusive';

-- Every time the registry changed: which file, from when, and what the warehouse's region
-- (the cities its units belong to) became. The newest row is the region the warehouse
-- refuses to leave unless told to (`dangjian registry load FILE --replace-region`).
create table if not exists quality.registry_load (
    id bigserial primary key,
    loaded_at timestamptz not null default now(),
    source_file text not null,
    sha256 text not null,
    applies_from date,
    region jsonb not null,
    changes jsonb not null,
    replaced_region boolean not null default false
);
comment on table quality.registry_load is '区划名录载入记录 / every change of the org-unit registry';
