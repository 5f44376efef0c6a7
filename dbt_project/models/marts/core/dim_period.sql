with

periods as (

    select * from {{ ref('int_periods_enumerated') }}

),

final as (

    select
        period,
        period_type,
        period_start_date,
        period_end_date,
        year_number,
        quarter_number,
        month_number,
        quarter_period,
        year_period

    from periods

)

select * from final
