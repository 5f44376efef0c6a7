-- Files received, cells rejected at ingest, where each column sat, the audit's results, the
-- stewards' decisions and every publication.

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
