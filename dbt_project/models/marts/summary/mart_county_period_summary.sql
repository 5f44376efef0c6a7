{#- The common questions, one row per county and period: the article's kind of figures. -#}
with

villages as (

    select * from {{ ref('fct_village_indicators') }}

),

roster as (

    select * from {{ ref('fct_cadre_roster') }}

),

attendance as (

    select * from {{ ref('fct_training_attendance') }}

),

coverage as (

    select * from {{ ref('fct_enterprise_coverage') }}

),

townships as (

    select * from {{ ref('fct_township_indicators') }}

),

county_periods as (

    select
        county_code,
        period
    from villages
    union
    select
        county_code,
        period
    from roster
    union
    select
        county_code,
        period
    from attendance
    union
    select
        county_code,
        period
    from coverage
    union
    select
        county_code,
        period
    from townships

),

village_figures as (

    select
        county_code,
        period,
        count(*) filter (where unit_type in ('行政村', '社区')) as village_level_orgs,
        count(*) filter (where unit_type = '行政村') as administrative_villages,
        count(*) filter (where unit_type = '小区党支部') as residential_branches,
        count(*) filter (where is_lagging) as lagging_orgs,
        count(*) filter (where is_lagging and is_rectified) as rectified_lagging_orgs,
        count(*) filter (where has_strong_collective_economy) as strong_economy_villages,
        sum(grid_count) as grids,
        sum(party_group_count) as party_groups,
        sum(party_members_in_grids) as party_members_in_grids,
        sum(volunteer_teams) as volunteer_teams,
        sum(volunteer_services) as volunteer_services,
        sum(livelihood_items) as livelihood_items,
        sum(talents_recruited) as talents_recruited,
        sum(support_projects) as support_projects,
        sum(support_funds) as support_funds,
        sum(signboards_cleared) as signboards_cleared,
        sum(party_fee_venue_funds) as party_fee_venue_funds
    from villages
    group by county_code, period

),

roster_figures as (

    select
        county_code,
        period,
        count(distinct person_key) filter (where role = '后备力量' and is_in_post_at_period_end)
            as reserve_cadres,
        count(distinct person_key) filter (
            where role = '后备力量' and is_in_post_at_period_end and has_two_mentors
        ) as reserve_cadres_with_two_mentors,
        count(distinct work_team_id) as work_teams,
        count(distinct person_key) filter (where role = '党建指导员') as instructors
    from roster
    group by county_code, period

),

trained as (

    select distinct
        county_code,
        period,
        person_key
    from attendance

),

trained_figures as (

    -- village committee members and reserve cadres in post, and how many of them were trained
    select
        roster.county_code,
        roster.period,
        count(distinct roster.person_key) as committee_and_reserve_cadres,
        count(distinct trained.person_key) as trained_committee_and_reserve_cadres
    from roster
    left join trained
        on
            roster.county_code = trained.county_code
            and roster.period = trained.period
            and roster.person_key = trained.person_key
    where
        roster.is_in_post_at_period_end
        and roster.role in ('村（社区）党组织书记', '村（居）委会主任', '两委委员', '后备力量')
    group by roster.county_code, roster.period

),

coverage_figures as (

    select
        county_code,
        period,
        count(distinct credit_code) filter (where org_type = '三有企业') as enterprises_covered,
        count(distinct credit_code) filter (where org_type = '社会组织') as social_organisations_covered,
        count(distinct instructor_person_key) filter (where is_instructor_in_roster) as instructors_covering
    from coverage
    group by county_code, period

),

township_figures as (

    select
        county_code,
        period,
        count(*) as townships_reported,
        count(*) filter (where is_lagging) as lagging_townships,
        count(*) filter (where is_lagging and is_rectified) as rectified_lagging_townships,
        sum(supervision_groups) as supervision_groups,
        sum(problems_solved) as supervision_problems_solved,
        sum(suggestions_made) as supervision_suggestions_made,
        sum(talks_held) as talks_held,
        sum(grievances_resolved) as grievances_resolved,
        sum(backbone_members_developed) as backbone_members_developed
    from townships
    group by county_code, period

),

final as (

    select
        county_periods.county_code,
        county_periods.period,
        coalesce(village_figures.village_level_orgs, 0) as village_level_orgs,
        coalesce(village_figures.administrative_villages, 0) as administrative_villages,
        coalesce(village_figures.residential_branches, 0) as residential_branches,
        coalesce(village_figures.lagging_orgs, 0) as lagging_orgs,
        coalesce(village_figures.rectified_lagging_orgs, 0) as rectified_lagging_orgs,
        coalesce(village_figures.strong_economy_villages, 0) as strong_economy_villages,
        100.0 * village_figures.strong_economy_villages
        / nullif(village_figures.administrative_villages, 0) as strong_economy_share_pct,
        coalesce(roster_figures.reserve_cadres, 0) as reserve_cadres,
        coalesce(roster_figures.reserve_cadres_with_two_mentors, 0) as reserve_cadres_with_two_mentors,
        100.0 * roster_figures.reserve_cadres_with_two_mentors
        / nullif(roster_figures.reserve_cadres, 0) as mentoring_coverage_pct,
        coalesce(trained_figures.committee_and_reserve_cadres, 0) as committee_and_reserve_cadres,
        coalesce(trained_figures.trained_committee_and_reserve_cadres, 0)
            as trained_committee_and_reserve_cadres,
        100.0 * trained_figures.trained_committee_and_reserve_cadres
        / nullif(trained_figures.committee_and_reserve_cadres, 0) as training_coverage_pct,
        coalesce(roster_figures.work_teams, 0) as work_teams,
        coalesce(village_figures.grids, 0) as grids,
        coalesce(village_figures.party_groups, 0) as party_groups,
        coalesce(village_figures.party_members_in_grids, 0) as party_members_in_grids,
        coalesce(village_figures.volunteer_teams, 0) as volunteer_teams,
        coalesce(village_figures.volunteer_services, 0) as volunteer_services,
        coalesce(village_figures.livelihood_items, 0) as livelihood_items,
        coalesce(village_figures.talents_recruited, 0) as talents_recruited,
        coalesce(village_figures.support_projects, 0) as support_projects,
        coalesce(village_figures.support_funds, 0) as support_funds,
        coalesce(village_figures.signboards_cleared, 0) as signboards_cleared,
        coalesce(village_figures.party_fee_venue_funds, 0) as party_fee_venue_funds,
        coalesce(roster_figures.instructors, 0) as instructors,
        coalesce(coverage_figures.instructors_covering, 0) as instructors_covering,
        coalesce(coverage_figures.enterprises_covered, 0) as enterprises_covered,
        coalesce(coverage_figures.social_organisations_covered, 0) as social_organisations_covered,
        -- the townships sheet is optional: its figures stay empty for a county that sent none
        coalesce(township_figures.townships_reported, 0) as townships_reported,
        township_figures.lagging_townships,
        township_figures.rectified_lagging_townships,
        township_figures.supervision_groups,
        township_figures.supervision_problems_solved,
        township_figures.supervision_suggestions_made,
        township_figures.talks_held,
        township_figures.grievances_resolved,
        township_figures.backbone_members_developed

    from county_periods
    left join village_figures
        on
            county_periods.county_code = village_figures.county_code
            and county_periods.period = village_figures.period
    left join roster_figures
        on
            county_periods.county_code = roster_figures.county_code
            and county_periods.period = roster_figures.period
    left join trained_figures
        on
            county_periods.county_code = trained_figures.county_code
            and county_periods.period = trained_figures.period
    left join coverage_figures
        on
            county_periods.county_code = coverage_figures.county_code
            and county_periods.period = coverage_figures.period
    left join township_figures
        on
            county_periods.county_code = township_figures.county_code
            and county_periods.period = township_figures.period

)

select * from final
