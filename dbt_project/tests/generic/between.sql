{#-
    Every non-null value of the column lies between min_value and max_value (inclusive); either
    bound may be left out. Nulls pass: whether a column may be empty is not_null_columns' business.
    A bound is SQL, so it may be a number (0, 0.5) or an expression such as
    "extract(year from current_date)"; a date is given quoted: "'2000-01-01'::date".
-#}
{% test between(model, column_name, min_value=none, max_value=none) %}

    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            false
            {% if min_value is not none %} or {{ column_name }} < {{ min_value }} {% endif %}
            {% if max_value is not none %} or {{ column_name }} > {{ max_value }} {% endif %}
        )

{% endtest %}
