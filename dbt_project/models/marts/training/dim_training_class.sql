{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

training as (

    select * from {{ ref('stg_county_submissions__training') }}

),

final as (

    select distinct on (county_code, class_id)
        county_code || ':' || class_id as training_class_key,
        county_code,
        class_id,
        class_name,
        training_type,
        organiser_level,
        start_date,
        end_date,
        hours,
        period as last_reported_period

    from training
    order by county_code asc, class_id asc, {{ period_end('period') }} desc, period desc, source_row asc

)

select * from final
