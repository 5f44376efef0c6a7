{#-
    The city's figures, one row per city (市、州) and period: the county summary's counts summed
    over the city's counties, and its shares recomputed from the summed parts (a city's share is
    not the mean of its counties' shares). The city summary workbook reads it.
-#}
{%- set counts = [
    'village_level_orgs', 'administrative_villages', 'residential_branches', 'lagging_orgs',
    'rectified_lagging_orgs', 'strong_economy_villages', 'reserve_cadres',
    'reserve_cadres_with_two_mentors', 'committee_and_reserve_cadres',
    'trained_committee_and_reserve_cadres', 'work_teams', 'grids', 'party_groups',
    'party_members_in_grids', 'volunteer_teams', 'volunteer_services', 'livelihood_items',
    'talents_recruited', 'support_projects', 'support_funds', 'signboards_cleared',
    'party_fee_venue_funds', 'instructors', 'instructors_covering', 'enterprises_covered',
    'social_organisations_covered', 'townships_reported', 'lagging_townships',
    'rectified_lagging_townships', 'supervision_groups', 'supervision_problems_solved',
    'supervision_suggestions_made', 'talks_held', 'grievances_resolved', 'backbone_members_developed'
] -%}
with

counties as (

    select * from {{ ref('mart_county_period_summary') }}

),

org_units as (

    select * from {{ ref('dim_org_unit') }}

),

sums as (

    select
        org_units.city_code,
        counties.period,
        {% for column in counts -%}
            sum(counties.{{ column }}) as {{ column }},
        {% endfor -%}
        count(*) as counties_reporting
    from counties
    inner join org_units
        on counties.county_code = org_units.org_unit_code
    group by org_units.city_code, counties.period

),

final as (

    select
        city_code,
        period,
        counties_reporting,
        {% for column in counts -%}
            {{ column }},
        {% endfor -%}
        100.0 * strong_economy_villages / nullif(administrative_villages, 0) as strong_economy_share_pct,
        100.0 * reserve_cadres_with_two_mentors / nullif(reserve_cadres, 0) as mentoring_coverage_pct,
        100.0 * trained_committee_and_reserve_cadres
        / nullif(committee_and_reserve_cadres, 0) as training_coverage_pct
    from sums

)

select * from final
