{#- Each person's hold of a role at a unit, in its latest reported state: what the SCD2
    snapshot snp_cadre_roles records the history of. A table: the snapshot and five tests read
    it, and as a view each of them sorted the whole roster again. -#}
{{ config(materialized='table', indexes=[{'columns': ['county_code']}]) }}

with

roster as (

    select * from {{ ref('int_cadre_roster_as_of') }}

),

final as (

    select distinct on (person_key, role, org_unit_code)
        restricted.role_holding_id(person_key, role, org_unit_code) as role_holding_id,
        person_key,
        role,
        org_unit_code,
        county_code,
        period as last_reported_period,
        start_date,
        end_date,
        change_type,
        is_in_post_at_period_end,
        rank_class,
        appraisal

    from roster
    order by
        person_key asc, role asc, org_unit_code asc,
        period_end_date desc, period desc, start_date desc, roster_id asc

)

select * from final
