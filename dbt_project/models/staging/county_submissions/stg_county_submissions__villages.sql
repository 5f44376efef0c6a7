with

villages as (

    select * from {{ source('county_submissions', 'villages') }}

),

submissions as (

    {{ current_submissions('villages') }}

),

final as (

    select
        submissions.county_code,
        submissions.period,
        villages.org_unit_code,
        villages.org_unit_name,
        villages.unit_type,
        villages.township_code,
        villages.party_org_rating,
        villages.collective_operating_income,
        villages.collective_net_income,
        villages.grid_count,
        villages.party_group_count,
        villages.submission_id,
        villages.sheet as source_sheet,
        villages.source_row,
        coalesce(villages.is_rectified, false) as is_rectified

    from villages
    inner join submissions
        on villages.submission_id = submissions.submission_id

)

select * from final
