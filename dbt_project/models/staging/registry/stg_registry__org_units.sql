with

source as (

    select * from {{ source('registry', 'org_unit') }}

),

final as (

    select
        org_unit_code,
        org_unit_name,
        unit_type,
        unit_level,
        parent_code as parent_org_unit_code,
        urban_rural_class,
        -- '-infinity' in raw: a unit known since always
        case when valid_from = '-infinity'::date then null else valid_from end as valid_from,
        valid_to,
        org_unit_code || ':' || coalesce(valid_from::text, '') as org_unit_version_id,
        valid_to is null as is_in_force,
        row_number() over (
            partition by org_unit_code order by valid_from desc
        ) = 1 as is_latest_version

    from source

)

select * from final
