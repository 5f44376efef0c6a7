{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

roster as (

    select * from {{ ref('int_cadre_roster_as_of') }}

),

final as (

    select
        roster_id,
        county_code,
        period,
        period_end_date,
        person_key,
        role,
        org_unit_code,
        start_date,
        end_date,
        change_type,
        is_in_post_at_period_end,
        source_category,
        work_team_id,
        mentor1_person_key,
        mentor2_person_key,
        has_two_mentors,
        job_post,
        job_grade,
        rank_class,
        appraisal,
        honours,
        certificates,
        is_early_promotion,
        promotion_date,
        is_degree_upgrading,
        degree_completed_date,
        submission_id,
        source_sheet,
        source_row

    from roster

)

select * from final
