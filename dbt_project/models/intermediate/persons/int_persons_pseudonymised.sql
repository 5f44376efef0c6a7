{#- One row per person met anywhere in the submissions (cadre, mentor, trainee, instructor):
    the pseudonymous key, and the identity that only restricted.person_identity publishes.
    A table: two models and nine tests read it, and keying every ID number once is enough.
    Incremental by person (macros/persons_incremental.sql): a night recomputes only the persons
    mentioned in submissions that became current or stopped being current, and deletes those
    no longer mentioned anywhere; the other rows, and their keys, stay as they are. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='id_number',
        on_schema_change='fail',
        pre_hook="{{ persons_changed_removed() }}",
        post_hook=["{{ persons_submissions_recorded() }}", "analyze {{ this }}"],
    )
}}

with

cadres as (

    -- only the columns used: the roster is read four times, so it is materialised once
    select
        id_number,
        person_name,
        period,
        mentor1_id_number,
        mentor2_id_number,
        ethnicity,
        education,
        political_status,
        source_category,
        start_date,
        source_row
    from {{ ref('stg_county_submissions__cadres') }}

),

training as (

    select * from {{ ref('stg_county_submissions__training') }}

),

enterprises as (

    select * from {{ ref('stg_county_submissions__enterprises') }}

),

pseudonym_key as (

    select * from {{ source('restricted', 'pseudonym_key') }}

),

mentions as (

    -- rank: where a name is best taken from (the roster, then training records)
    select
        id_number,
        person_name,
        period,
        1 as name_rank
    from cadres
    {{ persons_changed_only('id_number') }}
    union all
    select
        id_number,
        person_name,
        period,
        2 as name_rank
    from training
    {{ persons_changed_only('id_number') }}
    union all
    select
        mentor1_id_number as id_number,
        null as person_name,
        period,
        3 as name_rank
    from cadres
    where mentor1_id_number is not null {{ persons_changed_only('mentor1_id_number', 'and') }}
    union all
    select
        mentor2_id_number as id_number,
        null as person_name,
        period,
        3 as name_rank
    from cadres
    where mentor2_id_number is not null {{ persons_changed_only('mentor2_id_number', 'and') }}
    union all
    select
        instructor_id_number as id_number,
        null as person_name,
        period,
        3 as name_rank
    from enterprises
    {{ persons_changed_only('instructor_id_number') }}

),

names as (

    select distinct on (id_number)
        id_number,
        person_name
    from mentions
    where person_name is not null
    order by id_number asc, name_rank asc, {{ period_end('period') }} desc, period desc, person_name asc

),

latest_roster as (

    select distinct on (id_number)
        id_number,
        ethnicity,
        education,
        political_status,
        source_category
    from cadres
    {{ persons_changed_only('id_number') }}
    order by id_number asc, {{ period_end('period') }} desc, period desc, start_date desc, source_row asc

),

people as (

    select distinct id_number from mentions

),

final as (

    select
        {{ pseudonymise('people.id_number', 'pseudonym_key') }} as person_key,
        people.id_number,
        names.person_name,
        -- GB 11643: digits 7–14 are the birth date, the 17th is odd for men
        to_date(substr(people.id_number, 7, 8), 'YYYYMMDD') as birth_date,
        case when substr(people.id_number, 17, 1)::int % 2 = 1 then '男' else '女' end as sex,
        latest_roster.ethnicity,
        latest_roster.education,
        latest_roster.political_status,
        latest_roster.source_category

    from people
    cross join pseudonym_key
    left join names
        on people.id_number = names.id_number
    left join latest_roster
        on people.id_number = latest_roster.id_number

)

select * from final
