with

cadres as (

    select * from {{ source('county_submissions', 'cadres') }}

),

submissions as (

    {{ current_submissions('cadres') }}

),

final as (

    select
        submissions.county_code,
        submissions.period,
        cadres.id_number,
        cadres.name as person_name,
        cadres.sex,
        cadres.birth_date,
        cadres.ethnicity,
        cadres.education,
        cadres.political_status,
        cadres.org_unit_code,
        cadres.role,
        cadres.source_category,
        cadres.start_date,
        cadres.end_date,
        cadres.change_type,
        cadres.work_team_id,
        cadres.mentor1_id_number,
        cadres.mentor2_id_number,
        cadres.job_post,
        cadres.job_grade,
        cadres.rank_class,
        cadres.appraisal,
        cadres.honours,
        cadres.certificates,
        coalesce(cadres.is_early_promotion, false) as is_early_promotion,
        cadres.promotion_date,
        coalesce(cadres.is_degree_upgrading, false) as is_degree_upgrading,
        cadres.degree_completed_date,
        cadres.submission_id,
        cadres.sheet as source_sheet,
        cadres.source_row

    from cadres
    inner join submissions
        on cadres.submission_id = submissions.submission_id

)

select * from final
