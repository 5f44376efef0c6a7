-- Approval county by county (ingest/quality/approval.py): holds in force, the selection a build
-- is made from, why each held submission is held, and each county-period's status.
-- Made again on every `warehouse up` (ingest/warehouse/schema.py).

-- Holds still in force: not released by a later decision on the submission; an audit hold
-- is also released once a steward has waived or acknowledged every failure it was placed for.
create or replace view quality.active_hold as
select h.*
from quality.submission_hold as h
where
    not exists (
        select from quality.disposition as d
        where d.action = 'release' and d.submission_id = h.submission_id and d.decided_at >= h.held_at
    )
    and not (
        h.kind = 'audit'
        and jsonb_array_length(coalesce(h.details -> 'validation_result_ids', '[]')) > 0
        and not exists (
            select from jsonb_array_elements_text(h.details -> 'validation_result_ids') as v (id)
            where not exists (select from quality.disposition as d where d.validation_result_id = v.id::bigint)
        )
    );
comment on view quality.active_hold is '仍然有效的暂缓 / holds in force';

-- The selection as things stand now.
create or replace view quality.live_selection as
with candidate as (
    select distinct on (county_code, period) submission_id, county_code, period, held_back_sheets
    from raw.submission
    where status = 'accepted'
    order by county_code, period, file_modified_at desc nulls last, submission_id desc
),

held as (select distinct submission_id from quality.active_hold)

select
    c.county_code,
    c.period,
    sh.sheet,
    c.submission_id as candidate_submission_id,
    h.submission_id is not null as held,
    case
        when h.submission_id is null and not (sh.sheet = any(c.held_back_sheets)) then c.submission_id
        else p.submission_id
    end as submission_id
from candidate as c
cross join unnest(quality.contract_sheets()) as sh (sheet)
left join held as h on h.submission_id = c.submission_id
left join quality.published_submission as p
    on p.slot = 'marts' and p.county_code = c.county_code and p.period = c.period and p.sheet = sh.sheet;
comment on view quality.live_selection is '现在构建会用的报送 / what a build would be made from now';

-- What dbt builds from (macros/current_submissions.sql) and the rule set is audited on
-- (ingest/contract/rules.py): the selection frozen for the run that holds the build lease, so that a
-- file arriving during a night waits for the next; outside a night, the live selection.
create or replace function quality.selected_submissions()
returns table (
    sheet text, county_code text, period text, candidate_submission_id bigint, held boolean, submission_id bigint
)
language sql stable
begin atomic
    select r.sheet, r.county_code, r.period, r.candidate_submission_id, r.held, r.submission_id
    from quality.run_selection as r
    join quality.build_lease as l using (run_id)
    union all
    select v.sheet, v.county_code, v.period, v.candidate_submission_id, v.held, v.submission_id
    from quality.live_selection as v
    where not exists (select from quality.run_selection as r join quality.build_lease as l using (run_id));
end;

-- Every cell (or error) a hold in force was placed for: the critical problems ingest found,
-- the failing cells of the audit pass that held the submission back, or the build's error.
create or replace view quality.hold_cells as
select
    h.hold_id, h.submission_id, h.kind, h.reason, h.held_at,
    r.sheet, r.cell, r.column_name, r.header, r.original_text as value, r.rule, r.message
from quality.active_hold as h
join quality.rejected_cells_named as r on r.submission_id = h.submission_id and r.severity = 'critical'
where h.kind = 'ingest'
union all
select
    h.hold_id, h.submission_id, h.kind, h.reason, h.held_at,
    f.sheet, f.cell, f.column_name, f.header, f.value, coalesce(v.details ->> 'rule_id', v.expectation),
    coalesce(f.sheet || '!' || f.cell || '「' || f.header || '」', '') || coalesce(v.details ->> 'explanation', '')
from quality.active_hold as h
cross join lateral jsonb_array_elements_text(h.details -> 'validation_result_ids') as ids (id)
join quality.validation_result as v on v.validation_result_id = ids.id::bigint
left join quality.failed_cells as f
    on f.validation_result_id = v.validation_result_id and f.submission_id = h.submission_id
where h.kind = 'audit'
union all
select
    h.hold_id, h.submission_id, h.kind, h.reason, h.held_at,
    null, null, null, null, null, 'build_error', h.details ->> 'error'
from quality.active_hold as h
where h.kind = 'build';
comment on view quality.hold_cells is '暂缓发布的原因，逐个单元格 / why each held submission is held, cell by cell';

-- Per county and period, as published now: the submission its figures come from, its newest
-- file, and whether (and why) that one is held back. The analysts' version is the mart
-- marts.mart_county_period_status (without file names).
create or replace view quality.county_period_status as
select
    p.county_code,
    p.period,
    bool_or(p.held) as is_held_back,
    max(p.submission_id) as published_submission_id,
    max(p.candidate_submission_id) as newest_submission_id,
    max(f.file_name) as newest_file_name,
    max(p.run_id) as published_by_run,
    (
        select string_agg(distinct h.reason, '；')
        from quality.active_hold as h
        where h.submission_id = max(p.candidate_submission_id)
    ) as held_back_reason
from quality.published_submission as p
left join quality.submission_status as f on f.submission_id = p.candidate_submission_id
where p.slot = 'marts'
group by p.county_code, p.period;
comment on view quality.county_period_status is
    '各县（区）各期已发布的数据来自哪份报送，最新报送是否暂缓发布及原因 / what each county-period publishes, and what is held back';
