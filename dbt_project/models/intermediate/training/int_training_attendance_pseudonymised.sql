{#- Training records with the trainee as a person key. Incremental like the roster: a
    county-period is rebuilt only when its current submission changed. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['county_code', 'period'],
        on_schema_change='fail',
        post_hook="analyze {{ this }}",
        indexes=[{'columns': ['county_code']}],
        pre_hook="{{ withdrawn_rows_removed('stg_county_submissions__training') }}",
    )
}}

with

training as (

    select * from {{ ref('stg_county_submissions__training') }}

),

pseudonym_key as (

    select * from {{ source('restricted', 'pseudonym_key') }}

),

changed as (

    select training.*
    from training
    {{ changed_submissions_only('training') }}

),

final as (

    select
        md5(
            concat_ws(
                '|', changed.county_code, changed.period, changed.source_sheet, changed.source_row::text
            )
        ) as attendance_id,
        changed.county_code,
        changed.period,
        changed.county_code || ':' || changed.class_id as training_class_key,
        changed.class_id,
        changed.training_type,
        changed.organiser_level,
        changed.start_date,
        changed.end_date,
        changed.hours,
        {{ pseudonymise('changed.id_number', 'pseudonym_key') }} as person_key,
        changed.is_completed,
        changed.submission_id,
        changed.source_sheet,
        changed.source_row

    from changed
    cross join pseudonym_key

)

select * from final
