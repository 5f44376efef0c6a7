{#-
    Every non-null value of each given column lies within its bounds (inclusive); either bound
    may be left out, and a bound is SQL, as in `between`. One test and one scan for all of a
    model's bounded columns, where a `between` test per column would cost a dbt node and a
    query each. Keep a bound that reads the clock (current_date) in a `between` test of its own:
    such a test checks every row every night (macros/test_scope.sql), and so would all the
    columns beside it here.
    columns: {column: {min_value: …, max_value: …}}, e.g. {grid_count: {min_value: 0}}.
    Returns one row per value outside its bounds: the column and the value (as text).
-#}
{% test ranges(model, columns) %}

    {%- if columns is not mapping or columns | length == 0 %}
        {{ exceptions.raise_compiler_error("ranges on " ~ model ~ ": columns must map each column to its bounds") }}
    {%- endif %}
    {%- for column, bounds in columns.items() if bounds.get('min_value') is none and bounds.get('max_value') is none %}
        {{ exceptions.raise_compiler_error("ranges on " ~ model ~ ": " ~ column ~ " has neither min_value nor max_value") }}
    {%- endfor %}

    select bounded.column_name, bounded.value
    from {{ model }}
    cross join lateral (
        values
        {%- for column, bounds in columns.items() %}
            {%- set quoted = adapter.quote(column) %}
            ('{{ column }}', {{ quoted }}::text, false
                {%- if bounds.get('min_value') is not none %} or {{ quoted }} < {{ bounds['min_value'] }}{% endif %}
                {%- if bounds.get('max_value') is not none %} or {{ quoted }} > {{ bounds['max_value'] }}{% endif %})
            {{- "," if not loop.last }}
        {%- endfor %}
    ) as bounded (column_name, value, is_outside)
    where bounded.is_outside

{% endtest %}
