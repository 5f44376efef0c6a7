{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

townships as (

    select * from {{ ref('stg_county_submissions__townships') }}

),

final as (

    select
        county_code,
        period,
        township_code,
        township_name,
        party_org_rating,
        party_org_rating = '后进' as is_lagging,
        is_rectified,
        supervision_groups,
        supervision_rounds,
        problems_solved,
        suggestions_made,
        talks_held,
        grievances_resolved,
        backbone_members_developed,
        submission_id,
        source_sheet,
        source_row

    from townships

)

select * from final
