with

projects as (

    select * from {{ source('county_submissions', 'village_projects') }}

),

submissions as (

    {{ current_submissions('village_projects') }}

),

final as (

    select
        submissions.county_code,
        submissions.period,
        projects.org_unit_code,
        projects.project_name,
        projects.project_type,
        projects.land_use,
        projects.area_mu,
        projects.amount,
        projects.started_on,
        projects.submission_id,
        projects.sheet as source_sheet,
        projects.source_row

    from projects
    inner join submissions
        on projects.submission_id = submissions.submission_id

)

select * from final
