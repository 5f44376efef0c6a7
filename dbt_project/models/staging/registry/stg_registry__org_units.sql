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
        parent_code as parent_org_unit_code

    from source

)

select * from final
