{#-
    Reporting periods are written '2025' (year), '2025Q3' (quarter) or '2025-07' (month).
    period_start / period_end give the first and last day of the period as dates.
-#}
{% macro period_start(period) %}
    case
        when {{ period }} ~ '^\d{4}$' then make_date(left({{ period }}, 4)::int, 1, 1)
        when {{ period }} ~ '^\d{4}Q[1-4]$'
            then make_date(left({{ period }}, 4)::int, right({{ period }}, 1)::int * 3 - 2, 1)
        when {{ period }} ~ '^\d{4}-\d{2}$' then make_date(left({{ period }}, 4)::int, right({{ period }}, 2)::int, 1)
    end
{% endmacro %}

{#- quality.period_end_date(): the one SQL definition, which the audit's rules use too -#}
{% macro period_end(period) %}
    quality.period_end_date({{ period }})
{% endmacro %}
