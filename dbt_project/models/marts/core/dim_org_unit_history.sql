{#- Every version of every org unit: a renamed or merged village keeps its old names and dates. -#}
with

versions as (

    select * from {{ ref('stg_registry__org_units') }}

),

final as (

    select
        org_unit_version_id,
        org_unit_code,
        org_unit_name,
        unit_type,
        unit_level,
        parent_org_unit_code,
        urban_rural_class,
        valid_from,
        valid_to,
        is_in_force

    from versions

)

select * from final
