-- Warehouse bootstrap: schemas, privileges and the loader's own tables.
-- Idempotent: run on every `dangjian warehouse up`; the login roles are created beforehand
-- (ingest/warehouse/embedded.py) because their passwords come from the environment.

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

create table if not exists raw.submission (
    submission_id bigint generated always as identity primary key,
    sha256 text not null unique,
    file_name text not null,
    archive_path text not null,
    county_code text,
    period text,
    received_at timestamptz not null default now(),
    status text not null check (status in ('accepted', 'quarantined')),
    status_reason text,
    superseded_by bigint references raw.submission (submission_id),
    row_count integer not null default 0
);
comment on table raw.submission is '收到的每个报送文件一行（按 sha256 去重）/ one row per received workbook';
create index if not exists submission_county_period on raw.submission (county_code, period);

create table if not exists quality.rejected_cells (
    rejected_cell_id bigint generated always as identity primary key,
    submission_id bigint not null references raw.submission (submission_id),
    sheet text,
    cell text,
    column_name text,
    original_text text,
    rule text not null,
    severity text not null check (severity in ('error', 'warning')),
    message text not null,
    recorded_at timestamptz not null default now()
);
comment on table quality.rejected_cells is '被拒绝的单元格与原因（中文）/ rejected cells with the reason';
-- Problems found at ingest are critical (the submission is held back, ingest/quality/approval.py) or
-- warnings; a flagged row was loaded all the same, a refused one was not.
alter table quality.rejected_cells add column if not exists row_loaded boolean not null default false;
comment on column quality.rejected_cells.row_loaded is
    '该行是否照常入库（规则标记的行入库，不可能的值所在行不入库）/ whether the row was loaded all the same';
alter table quality.rejected_cells drop constraint if exists rejected_cells_severity_check;
update quality.rejected_cells set severity = 'critical' where severity = 'error';
alter table quality.rejected_cells add constraint rejected_cells_severity_check
    check (severity in ('critical', 'warning'));

create table if not exists quality.validation_result (
    validation_result_id bigint generated always as identity primary key,
    run_id text not null,
    suite text not null,
    expectation text not null,
    column_name text,
    severity text not null check (severity in ('critical', 'warning')),
    success boolean not null,
    unexpected_count bigint,
    details jsonb,
    checked_at timestamptz not null default now()
);
comment on table quality.validation_result is '质量检查结果（每条期望一行）/ one row per expectation checked';

create table if not exists quality.publication (
    publication_id bigint generated always as identity primary key,
    run_id text not null,
    status text not null check (status in ('published', 'refused', 'rolled_back')),
    reason text,
    row_counts jsonb,
    source_high_water bigint,
    decided_at timestamptz not null default now()
);
comment on table quality.publication is '每次发布或拒绝发布的记录 / every publish and refusal';
-- Columns added after a table's first release are added here, so an old warehouse catches up.
alter table quality.publication add column if not exists source_high_water bigint;
alter table raw.submission add column if not exists version integer;
alter table raw.submission add column if not exists file_modified_at timestamptz;
alter table raw.submission add column if not exists held_back_sheets text[] not null default '{}';
alter table raw.submission add column if not exists reprocess_of bigint references raw.submission (submission_id);
comment on column raw.submission.reprocess_of is
    '按现行规则重新处理的原报送编号（同一原件）/ the submission this one re-reads from the archive';
-- A file is received once (its sha256); a reprocessing reads the same archived original again.
alter table raw.submission drop constraint if exists submission_sha256_key;
create unique index if not exists submission_sha256_received_once on raw.submission (sha256)
    where reprocess_of is null;
comment on column raw.submission.file_modified_at is '文件修改时间：同一县同一期以最新修改的文件为准 / decides which file is current';
comment on column raw.submission.held_back_sheets is '整表暂不入库的工作表 / sheets held back whole';
comment on column raw.submission.version is '该县该期的第几份报送（1 起）/ version of the county-period submission';
comment on column quality.publication.source_high_water is
    '发布时已登记的最大报送编号 / highest submission_id the published build had seen';

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

-- A steward's decision on a failed check: waive (a waived critical failure no longer blocks
-- publishing, for the same failing rows) or acknowledge. Never updated or deleted.
create table if not exists quality.disposition (
    disposition_id bigint generated always as identity primary key,
    validation_result_id bigint not null references quality.validation_result (validation_result_id),
    action text not null check (action in ('waive', 'acknowledge')),
    reason text not null check (length(trim(reason)) > 0),
    decided_by text not null,
    decided_by_role text not null default session_user,
    decided_at timestamptz not null default now()
);
comment on table quality.disposition is '数据管理员对检查失败的处理（豁免或知悉），只增不改 / stewards'' waivers and acknowledgements';
alter table quality.validation_result add column if not exists waived_by bigint;
comment on column quality.validation_result.waived_by is
    '豁免此项失败的处理编号（quality.disposition）/ the waiver that let this failure pass';

-- What stewards may know of every received file (they cannot read raw itself).
create or replace view quality.submission_status as
select
    submission_id,
    sha256,
    file_name,
    archive_path,
    county_code,
    period,
    status,
    status_reason,
    version,
    held_back_sheets,
    row_count,
    received_at,
    file_modified_at,
    superseded_by,
    status = 'accepted' and superseded_by is null as is_current
from raw.submission;
comment on view quality.submission_status is '每个报送文件的状态（供数据管理员查看）/ every received file and its status';

-- Where each contract column sat in each received sheet, as the clerk laid it out: this is
-- how a failing row of a mart (submission, sheet, row) becomes a cell (column letter + row).
create table if not exists quality.source_column (
    submission_id bigint not null references raw.submission (submission_id),
    sheet text not null,
    column_name text not null,
    header text not null,
    column_letter text not null,
    primary key (submission_id, sheet, column_name)
);
comment on table quality.source_column is
    '每份报送中各栏目所在的列（用于把检查失败定位到单元格）/ where each column sat in each sheet';

-- Completeness and timeliness, recorded by every audited run: per county and period the
-- expected submission, what was received, whether on time by the configured deadline.
create table if not exists quality.completeness (
    run_id text not null,
    county_code text not null,
    period text not null,
    status text not null check (status in ('accepted', 'late', 'quarantined', 'missing')),
    current_submission_id bigint,
    version integer,
    files integer not null,
    superseded integer not null,
    received_at timestamptz,
    due_date date not null,
    rejected_cells integer not null,
    recorded_at timestamptz not null default now(),
    primary key (run_id, county_code, period)
);
comment on table quality.completeness is
    '每次审核时各县（区）各期的报送情况：应报、已报、逾期、隔离、未报 / completeness and timeliness per run';

-- Every failed check, row by row, traced to the submitted cell: file, sheet, cell, the
-- column's header and the value, with the rule's explanation (the steward's view of an audit).
create or replace view quality.failed_cells as
select
    v.validation_result_id,
    v.run_id,
    v.suite,
    v.expectation,
    v.details ->> 'rule_id' as rule_id,
    v.severity,
    v.waived_by,
    v.details ->> 'explanation' as explanation,
    s.submission_id,
    s.file_name,
    s.county_code,
    s.period,
    k ->> 'source_sheet' as sheet,
    (k ->> 'source_row')::integer as source_row,
    c.column_name,
    c.header,
    c.column_letter || (k ->> 'source_row') as cell,
    k ->> c.column_name as value,
    coalesce(c.column_letter || (k ->> 'source_row'), '第 ' || (k ->> 'source_row') || ' 行') as place
from quality.validation_result as v
cross join lateral jsonb_array_elements(v.details -> 'failing_rows') as k
join quality.submission_status as s on s.submission_id = (k ->> 'submission_id')::bigint
left join quality.source_column as c
    on c.submission_id = s.submission_id
    and c.sheet = k ->> 'source_sheet'
    and v.details -> 'columns' ? c.column_name
where not v.success and k ? 'source_row';
comment on view quality.failed_cells is
    '检查失败的每一行，追溯到报送文件的工作表与单元格 / failed checks traced to the source cell';

-- Cells ingest rejected, with the header the county's sheet gave the column. Dropped first:
-- r.* follows the table's columns, which grow (quality.hold_cells, which reads it, is made again
-- by approval.sql).
drop view if exists quality.rejected_cells_named cascade;
create view quality.rejected_cells_named as
select r.*, coalesce(c.header, r.column_name) as header
from quality.rejected_cells as r
left join quality.source_column as c
    on c.submission_id = r.submission_id and c.sheet = r.sheet and c.column_name = r.column_name;
comment on view quality.rejected_cells_named is '入库时退回的单元格及其在报送表中的栏目名 / rejected cells with their source header';

-- The latest audited run: what the report, the correction workbooks and `steward list` show.
create or replace view quality.latest_audit as
select run_id from quality.validation_result order by validation_result_id desc limit 1;
comment on view quality.latest_audit is '最近一次审核的运行 / the latest audited run';

-- The build lease: one run at a time builds, audits and publishes analytics_next
-- (ingest/publish.py take_build_lease), whichever DAG it belongs to.
create table if not exists quality.build_lease (
    singleton boolean primary key default true check (singleton),
    run_id text not null,
    acquired_at timestamptz not null default now()
);
comment on table quality.build_lease is '正在构建候选版本的运行（同一时间只有一个）/ the run now building analytics_next';
alter table quality.build_lease add column if not exists dag_id text;

-- What each audit checked against (ingest/quality/audit_scope.py): the hash of every check's
-- definition and, per mart and county, the row count and hash sum of the build it audited.
-- The next audit checks only what differs from the published build's.
create table if not exists quality.audit_fingerprint (
    run_id text primary key,
    suites text not null,
    tables jsonb not null,
    recorded_at timestamptz not null default now()
);
comment on table quality.audit_fingerprint is '每次审核所核对构建的指纹（按表、按县）/ fingerprints of each audited build';

-- Which rows each build's dbt tests check (ingest/quality/dbt_scope.py, macros/test_scope.sql). A
-- build's tests passed on every row its inputs made; the next build with the same inputs (the
-- dbt project's files, dbt's version, the pseudonym key, the org-unit registry) makes the same
-- rows for every county that received nothing since, so its row-by-row tests check the other
-- counties only.
create table if not exists quality.test_scope (
    run_id text primary key,
    inputs text not null,          -- sha256 of the dbt project's files, dbt's version, key id, registry
    submissions jsonb not null,    -- quality.submissions_by_county() when the build began
    tested_counties text[],        -- the counties whose rows are tested; null: every row
    decided_at timestamptz not null default now()
);
comment on table quality.test_scope is '每次构建的 dbt 测试范围（按县）/ which counties each build''s dbt tests check';

-- Per county: files received, the newest submission_id, files accepted. Any file received,
-- accepted, quarantined or reprocessed changes its county's entry.
create or replace function quality.submissions_by_county() returns jsonb
language sql stable
return (
    select coalesce(jsonb_object_agg(county, files), '{}'::jsonb)
    from (
        select
            coalesce(county_code, '') as county,
            jsonb_build_array(count(*), max(submission_id), count(*) filter (where status = 'accepted')) as files
        from raw.submission
        group by 1
    ) by_county
);

-- The counties whose rows tonight's dbt tests check, or null for every row: the scope of the
-- run that holds the build lease, while no file has been received since it was decided.
create or replace function quality.tested_counties() returns text[]
language sql stable
return (
    select s.tested_counties
    from quality.test_scope s
    join quality.build_lease l using (run_id)
    where s.submissions = quality.submissions_by_county()
);

-- HMAC pads of the pseudonymisation key (ingest/warehouse/pseudonym.py): the transformer reads them,
-- nobody else; the key itself is never stored.
create table if not exists restricted.pseudonym_key (
    singleton boolean primary key default true check (singleton),
    key_id text not null,
    inner_pad bytea not null,
    outer_pad bytea not null,
    installed_at timestamptz not null default now()
);
revoke all on restricted.pseudonym_key from public, steward, analyst;
grant select on restricted.pseudonym_key to transformer;

-- Key rotations (ingest/warehouse/pseudonym.py: rotate): which key replaced which, and each person's
-- old key beside the new one, so keys saved before a rotation can still be joined. Stewards
-- read both; nobody else. The pads of the old key are not kept.
create table if not exists restricted.key_rotation (
    rotation_id bigint generated always as identity primary key,
    old_key_id text not null,
    new_key_id text not null,
    rotated_at timestamptz not null default now(),
    persons integer not null,
    rekeyed jsonb not null  -- "schema.table.column" -> rows whose key was replaced
);
comment on table restricted.key_rotation is '化名密钥轮换记录 / pseudonymisation key rotations';
create table if not exists restricted.person_key_map (
    rotation_id bigint not null references restricted.key_rotation,
    old_person_key text not null,
    new_person_key text not null,
    primary key (rotation_id, old_person_key)
);
comment on table restricted.person_key_map is '轮换前后的人员化名键对照 / person keys before and after each rotation';
revoke all on restricted.key_rotation, restricted.person_key_map from public, transformer, analyst;
grant select on restricted.key_rotation, restricted.person_key_map to steward;

-- A role holding's id (person key, role, unit): the dbt model int_cadre_roles_latest and a
-- key rotation, which re-keys the role history, compute it here and nowhere else.
create or replace function restricted.role_holding_id(person_key text, role text, org_unit_code text)
returns text language sql immutable parallel safe
return md5(concat_ws('|', person_key, role, org_unit_code));
revoke all on function restricted.role_holding_id(text, text, text) from public;
grant execute on function restricted.role_holding_id(text, text, text) to transformer;

-- @grants: re-applied after the contract's per-sheet raw tables are created
grant select, insert on all tables in schema raw to loader;  -- raw rows are append-only
grant update (superseded_by, row_count) on raw.submission to loader;
grant select on all tables in schema raw to transformer;
grant select, insert on quality.rejected_cells, quality.source_column to loader;
grant select on all tables in schema quality to transformer, steward;
grant insert on quality.validation_result, quality.publication, quality.completeness to transformer;  -- results, refusals
grant insert, update on quality.audit_fingerprint to transformer;  -- a run audited again replaces its own
grant insert, update, delete on quality.build_lease to transformer;
grant insert, update on quality.test_scope to transformer;  -- a rebuild check run again replaces its own
grant insert on quality.disposition to steward;  -- decisions are added, never changed
grant select, insert on quality.submission_hold to loader, transformer;  -- holds are added, never changed
grant insert, delete on quality.run_selection to transformer;  -- a night freezes what it builds from
grant update (run_id) on quality.validation_result to transformer;  -- an audit pass set aside by a hold
grant delete on quality.validation_result to transformer;  -- a run audited again replaces its own
