with

persons as (

    select * from {{ ref('int_persons_pseudonymised') }}

),

final as (

    select
        person_key,
        sex,
        extract(year from birth_date)::int as birth_year,
        ethnicity,
        education,
        political_status,
        source_category

    from persons

)

select * from final
