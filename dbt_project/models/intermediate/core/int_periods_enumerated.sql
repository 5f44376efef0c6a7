{#- Every year, quarter and month from var period_first_year to period_last_year, with the
    periods each one lies in (a month in its quarter and year, a quarter in its year). -#}
with

years as (

    select year_number::int as year_number
    from generate_series({{ var('period_first_year') }}, {{ var('period_last_year') }}) as year_number

),

spine as (

    select
        years.year_number::text as period,
        'year' as period_type,
        years.year_number,
        null::int as quarter_number,
        null::int as month_number
    from years

    union all

    select
        years.year_number::text || 'Q' || quarters.quarter_number::text as period,
        'quarter' as period_type,
        years.year_number,
        quarters.quarter_number::int as quarter_number,
        null::int as month_number
    from years
    cross join generate_series(1, 4) as quarters (quarter_number)

    union all

    select
        years.year_number::text || '-' || lpad(months.month_number::text, 2, '0') as period,
        'month' as period_type,
        years.year_number,
        ((months.month_number - 1) / 3 + 1)::int as quarter_number,
        months.month_number::int as month_number
    from years
    cross join generate_series(1, 12) as months (month_number)

),

final as (

    select
        period,
        period_type,
        {{ period_start('period') }} as period_start_date,
        {{ period_end('period') }} as period_end_date,
        year_number,
        quarter_number,
        month_number,
        case
            when period_type = 'month' then year_number::text || 'Q' || quarter_number::text
        end as quarter_period,
        case when period_type <> 'year' then year_number::text end as year_period

    from spine

)

select * from final
