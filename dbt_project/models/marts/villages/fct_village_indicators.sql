with

villages as (

    select * from {{ ref('stg_county_submissions__villages') }}

),

final as (

    select
        county_code,
        period,
        org_unit_code,
        org_unit_name,
        unit_type,
        township_code,
        party_org_rating,
        party_org_rating = '后进' as is_lagging,
        is_rectified,
        collective_operating_income,
        collective_net_income,
        unit_type = '行政村'
        and (
            collective_operating_income >= {{ var('strong_operating_income') }}
            or collective_net_income >= {{ var('strong_net_income') }}
        ) as has_strong_collective_economy,
        grid_count,
        party_group_count,
        submission_id,
        source_sheet,
        source_row

    from villages

)

select * from final
