{#-
    The checks of the `structure` test (tests/generic/structure.sql), one macro each. Each
    returns a parenthesised query of the failures it finds, in the test's four columns:
    check_name, column_name, value (text), failing_rows. `rows` is what the check reads: the
    tested model, or its rows of the counties tested tonight (structure_rows).
-#}

{#- The rows a check reads: all of them, or those where `condition` holds (always aliased). -#}
{% macro structure_rows(model, condition=none) -%}
    {%- if condition is none -%}
        (select * from {{ model }}) as checked
    {%- else -%}
        (select * from {{ model }} where {{ condition }}) as checked
    {%- endif -%}
{%- endmacro %}


{#- A SQL string literal (the structure checks' labels, persist_docs.sql's relation names). -#}
{% macro sql_literal(text) -%}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}


{#- Rows that fail each of several conditions, counted in one scan: one row per condition
    that some rows fail, named by its label. -#}
{% macro structure_counts(rows, check_name, labels, failing) -%}
    (
        select {{ sql_literal(check_name) }} as check_name, counted.column_name, null::text as value, counted.failing_rows
        from (
            select array[
                {%- for condition in failing %}
                count(*) filter (where {{ condition }}){{ "," if not loop.last }}
                {%- endfor %}
            ] as failing
            from {{ rows }}
        ) as counts
        cross join unnest(
            array[{% for label in labels %}{{ sql_literal(label) }}{{ ", " if not loop.last }}{% endfor %}]::text[],
            counts.failing
        ) as counted (column_name, failing_rows)
        where counted.failing_rows > 0
    )
{%- endmacro %}


{% macro structure_not_null(rows, columns, conditions) -%}
    {%- set failing = [] -%}
    {%- for column in columns -%}
        {%- do failing.append(adapter.quote(column) ~ " is null" ~ (" and (" ~ conditions[column] ~ ")" if column in conditions else "")) -%}
    {%- endfor -%}
    {{ structure_counts(rows, 'not_null', columns, failing) }}
{%- endmacro %}


{% macro structure_key(rows, columns, where=none) -%}
    {%- set quoted = [] -%}
    {%- for column in columns -%}{%- do quoted.append(adapter.quote(column)) -%}{%- endfor -%}
    (
        select
            'keys' as check_name,
            {{ sql_literal(columns | join(', ')) }} as column_name,
            concat_ws(', ', {{ quoted | join('::text, ') }}::text) as value,
            count(*) as failing_rows
        from {{ rows }}
        where not ({{ quoted | join(' is null and ') }} is null)
            {%- if where %} and ({{ where }}){% endif %}
        group by {{ quoted | join(', ') }}
        having count(*) > 1
    )
{%- endmacro %}


{% macro structure_code_lists(rows, columns) -%}
    (
        select 'code_lists' as check_name, coded.column_name, coded.value, count(*) as failing_rows
        from {{ rows }}
        cross join lateral (
            values
            {%- for column, code_list in columns.items() %}
                ({{ sql_literal(column) }}, {{ sql_literal(code_list) }}, {{ adapter.quote(column) }}::text)
                {{- "," if not loop.last }}
            {%- endfor %}
        ) as coded (column_name, code_list, value)
        left join {{ ref('code_lists') }} as listed
            on listed.code_list = coded.code_list and listed.code = coded.value
        where coded.value is not null and listed.code is null
        group by coded.column_name, coded.value
    )
{%- endmacro %}


{% macro structure_ranges(rows, columns) -%}
    {%- for column, bounds in columns.items() if bounds.get('min_value') is none and bounds.get('max_value') is none %}
        {{ exceptions.raise_compiler_error("structure: the range of " ~ column ~ " has neither min_value nor max_value") }}
    {%- endfor %}
    (
        select 'ranges' as check_name, bounded.column_name, bounded.value, count(*) as failing_rows
        from {{ rows }}
        cross join lateral (
            values
            {%- for column, bounds in columns.items() %}
                {%- set quoted = adapter.quote(column) %}
                ({{ sql_literal(column) }}, {{ quoted }}::text, false
                    {%- if bounds.get('min_value') is not none %} or {{ quoted }} < {{ bounds['min_value'] }}{% endif %}
                    {%- if bounds.get('max_value') is not none %} or {{ quoted }} > {{ bounds['max_value'] }}{% endif %})
                {{- "," if not loop.last }}
            {%- endfor %}
        ) as bounded (column_name, value, is_outside)
        where bounded.is_outside
        group by bounded.column_name, bounded.value
    )
{%- endmacro %}


{% macro structure_pattern(rows, column, spec) -%}
    {%- set quoted = adapter.quote(column) -%}
    (
        select 'patterns' as check_name, {{ sql_literal(column) }} as column_name, {{ quoted }}::text as value,
            count(*) as failing_rows
        from {{ rows }}
        where ({{ quoted }} !~ {{ sql_literal(spec['pattern']) }}
            {%- if spec.get('length') is not none %} or char_length({{ quoted }}) <> {{ spec['length'] | int }}{% endif %})
            {%- if spec.get('where') %} and ({{ spec['where'] }}){% endif %}
        group by {{ quoted }}
    )
{%- endmacro %}


{% macro structure_expressions(rows, expressions) -%}
    {%- set failing = [] -%}
    {%- for expression in expressions -%}{%- do failing.append("not (" ~ expression ~ ")") -%}{%- endfor -%}
    {{ structure_counts(rows, 'expressions', expressions, failing) }}
{%- endmacro %}


{% macro structure_reference(rows, column, to, field) -%}
    {%- set quoted = adapter.quote(column) -%}
    (
        select 'references' as check_name, {{ sql_literal(column) }} as column_name, checked.{{ quoted }}::text as value,
            count(*) as failing_rows
        from {{ rows }}
        where checked.{{ quoted }} is not null
            and not exists (select from {{ to }} as parent where parent.{{ adapter.quote(field) }} = checked.{{ quoted }})
        group by checked.{{ quoted }}
    )
{%- endmacro %}
