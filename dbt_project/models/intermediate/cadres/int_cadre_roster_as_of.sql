{#- The roster: who holds which role where, as reported for each county and period, with
    whether the post is held at the period's end. Incremental: a county-period is rebuilt
    only when its current submission changed (delete+insert on county and period), and rows
    of submissions no longer current are removed first. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['county_code', 'period'],
        on_schema_change='fail',
        post_hook="analyze {{ this }}",
        indexes=[{'columns': ['county_code']}],
        pre_hook="{{ withdrawn_rows_removed('stg_county_submissions__cadres') }}",
    )
}}

with

cadres as (

    select * from {{ ref('stg_county_submissions__cadres') }}

),

pseudonym_key as (

    select * from {{ source('restricted', 'pseudonym_key') }}

),

changed as (

    select cadres.*
    from cadres
    {{ changed_submissions_only('cadres') }}

),

final as (

    select
        md5(
            concat_ws(
                '|', changed.county_code, changed.period, changed.source_sheet, changed.source_row::text
            )
        ) as roster_id,
        changed.county_code,
        changed.period,
        {{ period_end('changed.period') }} as period_end_date,
        {{ pseudonymise('changed.id_number', 'pseudonym_key') }} as person_key,
        changed.role,
        changed.org_unit_code,
        changed.start_date,
        changed.end_date,
        changed.change_type,
        changed.start_date <= {{ period_end('changed.period') }}
        and (changed.end_date is null or changed.end_date > {{ period_end('changed.period') }})
            as is_in_post_at_period_end,
        changed.source_category,
        changed.work_team_id,
        case
            when changed.mentor1_id_number is not null
                then {{ pseudonymise('changed.mentor1_id_number', 'pseudonym_key') }}
        end as mentor1_person_key,
        case
            when changed.mentor2_id_number is not null
                then {{ pseudonymise('changed.mentor2_id_number', 'pseudonym_key') }}
        end as mentor2_person_key,
        changed.mentor1_id_number is not null and changed.mentor2_id_number is not null as has_two_mentors,
        changed.job_post,
        changed.job_grade,
        changed.rank_class,
        changed.appraisal,
        changed.honours,
        changed.certificates,
        changed.is_early_promotion,
        changed.promotion_date,
        changed.is_degree_upgrading,
        changed.degree_completed_date,
        changed.submission_id,
        changed.source_sheet,
        changed.source_row

    from changed
    cross join pseudonym_key

)

select * from final
