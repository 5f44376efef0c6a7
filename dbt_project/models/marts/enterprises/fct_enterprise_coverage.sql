{#- Which party-building instructor covers which enterprise or social organisation, per
    county and period, with the work reported for it. -#}
{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

enterprises as (

    select * from {{ ref('stg_county_submissions__enterprises') }}

),

pseudonym_key as (

    select * from {{ source('restricted', 'pseudonym_key') }}

),

instructors as (

    select distinct
        county_code,
        period,
        person_key
    from {{ ref('int_cadre_roster_as_of') }}
    where role = '党建指导员'

),

coverage as (

    select
        enterprises.*,
        {{ pseudonymise('enterprises.instructor_id_number', 'pseudonym_key') }} as instructor_person_key
    from enterprises
    cross join pseudonym_key

),

final as (

    select
        coverage.county_code,
        coverage.period,
        coverage.credit_code,
        coverage.instructor_person_key,
        coverage.org_type,
        coverage.township_code,
        coverage.has_party_org,
        coverage.guidance_visits,
        coverage.problems_solved,
        coverage.members_reporting,
        coverage.volunteer_person_times,
        instructors.person_key is not null as is_instructor_in_roster,
        coverage.submission_id,
        coverage.source_sheet,
        coverage.source_row

    from coverage
    left join instructors
        on
            coverage.county_code = instructors.county_code
            and coverage.period = instructors.period
            and coverage.instructor_person_key = instructors.person_key

)

select * from final
