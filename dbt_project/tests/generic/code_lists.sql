{#-
    Every non-null value of each given column is a code of its code list: the seed
    `code_lists`, generated from the submission contract (`dangjian contract dbt-sources`), so
    no list is typed twice. One test and one scan for all of a model's coded columns, where an
    accepted_values test per column would cost a dbt node and a query each.
    columns: {column: code list}, e.g. {sex: sex, unit_type: org_unit_type}.
    Returns one row per column and value outside its list, with how many rows carry it.
-#}
{% test code_lists(model, columns) %}

    {%- if columns is not mapping or columns | length == 0 %}
        {{ exceptions.raise_compiler_error("code_lists on " ~ model ~ ": columns must map each column to its code list") }}
    {%- endif %}

    with coded as (
        select coded.column_name, coded.code_list, coded.value
        from {{ model }}
        cross join lateral (
            values
            {%- for column, code_list in columns.items() %}
                ('{{ column }}', '{{ code_list }}', {{ adapter.quote(column) }}::text)
                {{- "," if not loop.last }}
            {%- endfor %}
        ) as coded (column_name, code_list, value)
        where coded.value is not null
    )

    select
        coded.column_name,
        coded.code_list,
        coded.value,
        count(*) as failing_rows
    from coded
    left join {{ ref('code_lists') }} as listed
        on listed.code_list = coded.code_list and listed.code = coded.value
    where listed.code is null
    group by coded.column_name, coded.code_list, coded.value

{% endtest %}
