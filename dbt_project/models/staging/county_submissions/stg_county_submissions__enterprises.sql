with

enterprises as (

    select * from {{ source('county_submissions', 'enterprises') }}

),

submissions as (

    {{ current_submissions('enterprises') }}

),

final as (

    select
        submissions.county_code,
        submissions.period,
        enterprises.credit_code,
        enterprises.name as enterprise_name,
        enterprises.org_type,
        enterprises.township_code,
        enterprises.industry,
        enterprises.has_party_org,
        enterprises.instructor_id_number,
        enterprises.guidance_visits,
        enterprises.problems_solved,
        enterprises.members_reporting,
        enterprises.volunteer_person_times,
        enterprises.submission_id,
        enterprises.sheet as source_sheet,
        enterprises.source_row

    from enterprises
    inner join submissions
        on enterprises.submission_id = submissions.submission_id

)

select * from final
