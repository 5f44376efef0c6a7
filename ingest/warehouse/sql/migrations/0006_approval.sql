-- Approval county by county (ingest/quality/approval.py): holds, releases, what each night built
-- from and what is published.

-- A hold keeps a submission out of the build: its county-period keeps the figures of its last
-- published submission (none if it never passed). Placed by ingest (critical problems), by a
-- night whose dbt build failed on its data, or by the audit (a critical rule failing on its
-- rows). Never updated or deleted: a steward's decision releases it.
create table if not exists quality.submission_hold (
    hold_id bigint generated always as identity primary key,
    submission_id bigint not null references raw.submission (submission_id),
    kind text not null check (kind in ('ingest', 'build', 'audit')),
    run_id text,
    reason text not null,
    details jsonb not null default '{}',
    held_at timestamptz not null default now()
);
create index if not exists submission_hold_submission on quality.submission_hold (submission_id);
comment on table quality.submission_hold is
    '暂缓发布的报送及原因（入库严重问题、构建出错、审核未通过）/ submissions held back from publication, and why';

-- A steward's release approves a held submission as it is: a new kind of decision.
alter table quality.disposition alter column validation_result_id drop not null;
alter table quality.disposition add column if not exists submission_id bigint references raw.submission (submission_id);
alter table quality.disposition drop constraint if exists disposition_action_check;
alter table quality.disposition add constraint disposition_action_check
    check (action in ('waive', 'acknowledge', 'release'));
alter table quality.disposition drop constraint if exists disposition_target_check;
alter table quality.disposition add constraint disposition_target_check check (
    (action = 'release' and submission_id is not null and validation_result_id is null)
    or (action <> 'release' and validation_result_id is not null and submission_id is null)
);
comment on column quality.disposition.submission_id is
    '放行的报送编号（action = release）/ the submission a release approves';

-- What each night built from, per county, period and sheet: the county-period's newest
-- accepted file (the candidate), whether it is held back, and the submission the build read
-- for the sheet (the candidate, or the published one when the candidate is held back or its
-- sheet was held back whole; none when nothing was ever published).
create table if not exists quality.run_selection (
    run_id text not null,
    county_code text not null,
    period text not null,
    sheet text not null,
    candidate_submission_id bigint not null,
    held boolean not null,
    submission_id bigint,
    frozen_at timestamp not null default localtimestamp,
    primary key (run_id, county_code, period, sheet)
);
alter table quality.run_selection add column if not exists frozen_at timestamp not null default localtimestamp;
comment on table quality.run_selection is '每次构建所用的报送（按县、期间、工作表）/ what each build was made from';

-- The selection of the build in marts (slot 'marts') and of the one kept for a rollback
-- ('marts_previous'): rows of quality.run_selection, moved with the schemas they describe.
create table if not exists quality.published_submission (
    slot text not null check (slot in ('marts', 'marts_previous')),
    run_id text not null,
    county_code text not null,
    period text not null,
    sheet text not null,
    candidate_submission_id bigint not null,
    held boolean not null,
    submission_id bigint,
    primary key (slot, county_code, period, sheet)
);
comment on table quality.published_submission is
    '已发布版本（及上一版）所用的报送 / what the published build (and the previous one) was made from';

-- Whether a failed check blocks publishing the build as it is (ingest/quality/approval.py attribute):
-- a critical failure on rows of tonight's submissions (held back, then built again) or on rows
-- that cannot be placed in a county. Null in results recorded before this column existed.
alter table quality.validation_result add column if not exists blocks_publication boolean;
comment on column quality.validation_result.blocks_publication is
    '是否阻止发布（当晚新报送的行严重不通过，或无法归属到县）/ whether the failure blocks publishing the build';
