-- Schemas and who may use them (the login roles are created by ingest/warehouse/embedded.py,
-- because their passwords come from the environment).

create schema if not exists raw;            -- loader: files received and rows as submitted
create schema if not exists quality;        -- loader, auditor: rejections, checks, publications
create schema if not exists staging;        -- dbt: staging and intermediate views (internal)
create schema if not exists analytics_next; -- dbt: the candidate build (write-audit-publish)
create schema if not exists marts;          -- publish step: the audited build analysts query
create schema if not exists restricted;     -- dbt: person identities, stewards only
create schema if not exists intermediate;   -- dbt: business logic and incremental facts (internal)
create schema if not exists snapshots;      -- dbt: history of cadres' roles (SCD2, internal)

revoke create on schema public from public;
revoke all on schema raw, quality, staging, intermediate, snapshots, analytics_next, marts, restricted
    from public;

-- loader: writes raw and quality
grant usage on schema raw, quality to loader;

-- transformer (dbt, audit): reads raw and quality, builds staging, analytics_next, restricted
grant usage on schema raw, quality to transformer;
grant usage, create on schema staging, intermediate, snapshots, analytics_next, restricted to transformer;

-- analyst: the published marts only
grant usage on schema marts to analyst, steward;

-- steward: quality and restricted as well
grant usage on schema quality, restricted to steward;
alter default privileges for role transformer in schema restricted grant select on tables to steward;
