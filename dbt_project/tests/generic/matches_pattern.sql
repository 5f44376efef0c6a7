{#-
    Every non-null value of the column matches a PostgreSQL regular expression (whole value:
    anchor the pattern with ^ and $), and has exactly `length` characters when given. Nulls
    pass. Write the pattern in single quotes in YAML so that backslashes reach the database as
    written: pattern: '^\d{17}[\dX]$'. For a long fixed length, give it as `length` with an
    unbounded pattern ('^[0-9a-f]+$', length 64): PostgreSQL's regex engine is about ten times
    slower on a bounded repetition such as {64}.
-#}
{% test matches_pattern(model, column_name, pattern, length=none) %}

    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} !~ '{{ pattern | replace("'", "''") }}'
        {%- if length is not none %}
            or char_length({{ column_name }}) <> {{ length | int }}
        {%- endif %}

{% endtest %}
