{#- One row per change in the roster: appointments (新任), adjustments (调整) and departures
    (离任), each dated, and early promotions as their own event, in the period of their date
    (an undated one in the period reporting it). 留任 (stays) is no change. -#}
{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

roster as (

    select * from {{ ref('int_cadre_roster_as_of') }}

),

changes as (

    select
        roster.*,
        case roster.change_type
            when '新任' then 'appointment'
            when '调整' then 'adjustment'
            when '离任' then 'departure'
        end as change_kind,
        case
            when roster.change_type = '离任' then coalesce(roster.end_date, roster.start_date)
            else roster.start_date
        end as change_date
    from roster
    where roster.change_type in ('新任', '调整', '离任')

    union all

    select
        roster.*,
        'early_promotion' as change_kind,
        coalesce(roster.promotion_date, roster.start_date) as change_date
    from roster
    where roster.is_early_promotion
        {#- in the period its date falls in: later periods' rosters still mark it #}
        and (
            roster.promotion_date is null
            or roster.promotion_date between {{ period_start('roster.period') }} and roster.period_end_date
        )

),

final as (

    select
        md5(roster_id || '|' || change_kind) as change_id,
        roster_id,
        county_code,
        period,
        person_key,
        role,
        org_unit_code,
        change_kind,
        change_type,
        change_date,
        start_date,
        end_date,
        submission_id,
        source_sheet,
        source_row

    from changes

)

select * from final
