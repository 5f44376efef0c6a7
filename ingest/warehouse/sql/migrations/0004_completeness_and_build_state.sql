-- Completeness per run, the build lease, and what each audit and dbt test run checked.

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
