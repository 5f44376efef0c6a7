{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

history as (

    select * from {{ ref('snp_cadre_roles') }}

),

final as (

    select
        dbt_scd_id as role_history_id,
        role_holding_id,
        person_key,
        role,
        org_unit_code,
        county_code,
        last_reported_period,
        start_date,
        end_date,
        change_type,
        is_in_post_at_period_end,
        rank_class,
        appraisal,
        dbt_valid_from as valid_from_at,
        dbt_valid_to as valid_to_at,
        dbt_valid_to is null as is_current_version

    from history

)

select * from final
