{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

projects as (

    select * from {{ ref('stg_county_submissions__village_projects') }}

),

final as (

    select
        md5(period || '|' || org_unit_code || '|' || project_name) as project_id,
        county_code,
        period,
        org_unit_code,
        project_name,
        project_type,
        land_use,
        area_mu,
        amount,
        started_on,
        submission_id,
        source_sheet,
        source_row

    from projects

)

select * from final
