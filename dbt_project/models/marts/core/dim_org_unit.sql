{#- Looked up by code for every village row the audit checks (village_in_its_township). -#}
{{ config(indexes=[{'columns': ['org_unit_code'], 'unique': True}]) }}

with

org_units as (

    -- a unit as it is now, or as it was when it was retired (every version: dim_org_unit_history)
    select * from {{ ref('stg_registry__org_units') }}
    where is_latest_version

),

parents as (

    select * from org_units

),

final as (

    select
        org_units.org_unit_code,
        org_units.org_unit_name,
        org_units.unit_type,
        org_units.unit_level,
        org_units.parent_org_unit_code,
        case org_units.unit_level
            when 'village' then org_units.parent_org_unit_code
            when 'township' then org_units.org_unit_code
        end as township_code,
        case org_units.unit_level
            when 'village' then parent.org_unit_name
            when 'township' then org_units.org_unit_name
        end as township_name,
        case org_units.unit_level
            when 'village' then grandparent.org_unit_code
            when 'township' then parent.org_unit_code
            when 'county' then org_units.org_unit_code
        end as county_code,
        case org_units.unit_level
            when 'village' then grandparent.org_unit_name
            when 'township' then parent.org_unit_name
            when 'county' then org_units.org_unit_name
        end as county_name,
        case org_units.unit_level
            when 'city' then org_units.org_unit_code
            else left(org_units.org_unit_code, 4) || '00'
        end as city_code,
        org_units.unit_type = '行政村' as is_administrative_village,
        org_units.urban_rural_class,
        org_units.is_in_force

    from org_units
    left join parents as parent
        on org_units.parent_org_unit_code = parent.org_unit_code
    left join parents as grandparent
        on parent.parent_org_unit_code = grandparent.org_unit_code

)

select * from final
