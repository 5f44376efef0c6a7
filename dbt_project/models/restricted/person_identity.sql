{#- The only place a person key meets an ID number and a name: stewards only (grants in
    dbt_project.yml, tested in tests/integration/test_marts.py). -#}
{{ config(schema='restricted') }}

with

persons as (

    select * from {{ ref('int_persons_pseudonymised') }}

),

final as (

    select
        person_key,
        id_number,
        person_name

    from persons

)

select * from final
