{#- Which submission each county and period's published figures come from, and whether a
    newer file from the county is held back (ingest/quality/approval.py). Read from the selection this
    build was made from (quality.selected_submissions()), so it always describes the marts it is
    published with. -#}
with

selection as (

    select * from quality.selected_submissions()

),

submissions as (

    select * from {{ ref('stg_county_submissions__submissions') }}

),

holds as (

    select * from {{ source('quality', 'submission_hold') }}

),

county_periods as (

    select
        county_code,
        period,
        max(candidate_submission_id) as newest_submission_id,
        bool_or(held) as is_held_back,
        -- every sheet read from the newest file (not so when it is held back, or when a sheet of
        -- it was held back whole and keeps the published one)
        bool_and(submission_id is not distinct from candidate_submission_id) as is_current,
        -- the sheets of one county-period come from one submission, but for a sheet held back whole
        max(submission_id) as figures_submission_id
    from selection
    group by county_code, period

),

latest_holds as (

    select distinct on (submission_id)
        submission_id,
        reason as held_back_reason,
        held_at as held_back_at
    from holds
    order by submission_id asc, held_at desc, hold_id desc

),

final as (

    select
        county_periods.county_code,
        county_periods.period,
        county_periods.is_current,
        county_periods.figures_submission_id,
        figures.version as figures_version,
        figures.received_at as figures_received_at,
        county_periods.newest_submission_id,
        newest.version as newest_version,
        newest.received_at as newest_received_at,
        case
            when county_periods.is_held_back then latest_holds.held_back_reason
            when not county_periods.is_current then '最新报送有工作表整表暂不入库，该表沿用上次发布的数据'
        end as held_back_reason,
        case when not county_periods.is_current then latest_holds.held_back_at end as held_back_at

    from county_periods
    inner join submissions as newest
        on county_periods.newest_submission_id = newest.submission_id
    left join submissions as figures
        on county_periods.figures_submission_id = figures.submission_id
    left join latest_holds
        on county_periods.newest_submission_id = latest_holds.submission_id

)

select * from final
