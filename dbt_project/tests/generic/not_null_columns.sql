{#-
    None of the given columns is null: all of a model's required columns in one test and one
    scan, where a not_null test per column would cost a query and a dbt node each. Returns one
    row per column that has nulls: the column and how many rows have it empty.
    conditions (optional) requires a column only in some rows, as not_null with a where config
    would: {column: SQL condition}, e.g. {county_code: "unit_level <> 'city'"}; each such column
    must also be in columns.
-#}
{% test not_null_columns(model, columns, conditions={}) %}

    {%- if columns is string or columns | length == 0 %}
        {{ exceptions.raise_compiler_error("not_null_columns on " ~ model ~ ": columns must be a non-empty list") }}
    {%- endif %}
    {%- for column in conditions if column not in columns %}
        {{ exceptions.raise_compiler_error("not_null_columns on " ~ model ~ ": a condition for " ~ column ~ ", which is not in columns") }}
    {%- endfor %}

    with null_counts as (
        select
            array[
                {%- for column in columns %}
                count(*) filter (where {{ adapter.quote(column) }} is null
                    {%- if column in conditions %} and ({{ conditions[column] }}){% endif %})
                {{- "," if not loop.last }}
                {%- endfor %}
            ] as null_rows
        from {{ model }}
    )

    select
        required.column_name,
        required.null_rows
    from null_counts
    cross join unnest(
        array[
            {%- for column in columns -%}
                '{{ column | replace("'", "''") }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        ]::text[],
        null_counts.null_rows
    ) as required (column_name, null_rows)
    where required.null_rows > 0

{% endtest %}
