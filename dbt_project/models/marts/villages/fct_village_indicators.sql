{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
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
        collective_accumulation,
        collective_investment,
        collective_dividends,
        subsidies_applied,
        support_projects,
        support_funds,
        party_fee_venue_funds,
        signboards_cleared,
        villager_groups,
        grid_count,
        party_group_count,
        party_members_in_grids,
        household_heads,
        volunteer_teams,
        volunteer_services,
        livelihood_items,
        talents_recruited,
        villager_trainings,
        villager_trainees,
        local_experts,
        practical_sessions,
        observation_visits,
        practical_attendees,
        local_employment,
        local_wages,
        submission_id,
        source_sheet,
        source_row

    from villages

)

select * from final
