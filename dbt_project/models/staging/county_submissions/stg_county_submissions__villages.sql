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
        villages.collective_accumulation,
        villages.collective_investment,
        villages.collective_dividends,
        villages.subsidies_applied,
        villages.support_projects,
        villages.support_funds,
        villages.party_fee_venue_funds,
        villages.signboards_cleared,
        villages.villager_groups,
        villages.grid_count,
        villages.party_group_count,
        villages.party_members_in_grids,
        villages.household_heads,
        villages.volunteer_teams,
        villages.volunteer_services,
        villages.livelihood_items,
        villages.talents_recruited,
        villages.villager_trainings,
        villages.villager_trainees,
        villages.local_experts,
        villages.practical_sessions,
        villages.observation_visits,
        villages.practical_attendees,
        villages.local_employment,
        villages.local_wages,
        villages.submission_id,
        villages.sheet as source_sheet,
        villages.source_row,
        coalesce(villages.is_rectified, false) as is_rectified

    from villages
    inner join submissions
        on villages.submission_id = submissions.submission_id

)

select * from final
