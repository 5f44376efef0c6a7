{#-
    Every non-null value of the column matches a PostgreSQL regular expression (whole value:
    anchor the pattern with ^ and $). Nulls pass. Write the pattern in single quotes in YAML so
    that backslashes reach the database as written: pattern: '^\d{17}[\dX]$'.
-#}
{% test matches_pattern(model, column_name, pattern) %}

    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} !~ '{{ pattern | replace("'", "''") }}'

{% endtest %}
