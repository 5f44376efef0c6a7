{#-
    A model's structure in one test: every check dbt owns for the model (required columns,
    keys, code lists, bounds, patterns, row conditions, references) in one dbt node and one
    query. dbt spends about 20 ms of its own CPU on each test node, whatever the test reads, so
    a test per column and check (254 nodes for this project) cost more than the queries; one
    node per model costs a fifth of it, and says as much when it fails: each row it returns
    names the check, the column, the value and how many rows carry it.

    Arguments (each may be left out; give at least one):
      not_null:      [column, …]: never null.
      not_null_when: {column: SQL condition}: of those, a column required only in the rows
                     where the condition holds, e.g. {county_code: "unit_level <> 'city'"}.
      keys:          [[column, …], …]: no two rows share a key. A key given as
                     {columns: [column, …], where: SQL} is unique among the rows where the
                     condition holds. Rows whose key columns are all null are not compared.
      code_lists:    {column: code list}: every non-null value is a code of its list in the
                     seed `code_lists` (generated from the submission contract).
      ranges:        {column: {min_value: SQL, max_value: SQL}}: every non-null value within
                     its bounds (inclusive); either bound may be left out. A bound is SQL: 0,
                     0.5, "'2000-01-01'::date", "extract(year from current_date)".
      patterns:      {column: {pattern: 'regex', length: n, where: SQL}}: every non-null
                     value matches a PostgreSQL regular expression (anchor it with ^ and $)
                     and, when given, has exactly `length` characters. Write the pattern in
                     single quotes in YAML so that backslashes reach the database as written;
                     give a long fixed length as `length` with an unbounded pattern
                     ('^[0-9a-f]+$', length 64): the regex engine is about ten times slower
                     on a bounded repetition such as {64}.
      expressions:   [SQL boolean, …]: every row satisfies each.
      references:    {column: {to: ref('model') or source(…), field: column}}: every
                     non-null value is a `field` of `to`.

    Returns one row per failure: check_name, column_name (a key's columns, or the expression),
    value (as text; null for not_null and expressions) and failing_rows.

    Which rows each check reads is decided check by check (macros/test_scope.sql): on a night
    that needs only some counties tested again, a check that judges each county's rows on its
    own reads those counties' rows; a key without the county, a reference to a model made from
    every county's submissions and a bound or condition that reads the clock read every row.
    A view (the staging models) would be computed again by each check's scan: its rows are read
    once into a materialized CTE (about a seventh less of the tests' time in the database).
-#}
{% test structure(model, not_null=[], not_null_when={}, keys=[], code_lists={}, ranges={}, patterns={},
                  expressions=[], references={}) %}

    {#- Each check reads `every` row or `alone` (tonight's counties when a night scopes the
        tests); which rows those are is written in once every check has chosen. -#}
    {%- set every, alone = '__structure_every_row__', '__structure_rows_alone__' -%}
    {%- set parts = [] -%}

    {%- for column in not_null_when if column not in not_null %}
        {{ exceptions.raise_compiler_error("structure on " ~ model ~ ": not_null_when names " ~ column ~ ", which is not in not_null") }}
    {%- endfor %}
    {%- if not_null %}
        {%- do parts.append(structure_not_null(alone, not_null, not_null_when)) %}
    {%- endif %}

    {%- for key in keys %}
        {%- set columns = key['columns'] if key is mapping else key %}
        {%- do parts.append(structure_key(alone if structure_key_alone(columns) else every, columns, key.get('where') if key is mapping else none)) %}
    {%- endfor %}

    {%- if code_lists %}
        {%- do parts.append(structure_code_lists(alone, code_lists)) %}
    {%- endif %}

    {%- for reads_clock in [false, true] %}
        {%- set rows = every if reads_clock else alone %}
        {%- set bounded = {} %}
        {%- for column, bounds in ranges.items() if structure_reads_clock(bounds) == reads_clock %}
            {%- do bounded.update({column: bounds}) %}
        {%- endfor %}
        {%- if bounded %}
            {%- do parts.append(structure_ranges(rows, bounded)) %}
        {%- endif %}
        {%- set chosen = [] %}
        {%- for expression in expressions if structure_reads_clock(expression) == reads_clock %}
            {%- do chosen.append(expression) %}
        {%- endfor %}
        {%- if chosen %}
            {%- do parts.append(structure_expressions(rows, chosen)) %}
        {%- endif %}
    {%- endfor %}

    {%- for column, spec in patterns.items() %}
        {%- do parts.append(structure_pattern(alone, column, spec)) %}
    {%- endfor %}

    {%- for column, spec in references.items() %}
        {%- set rows = every if structure_made_from_submissions(spec['to']) else alone %}
        {%- do parts.append(structure_reference(rows, column, spec['to'], spec['field'])) %}
    {%- endfor %}

    {%- if not parts %}
        {{ exceptions.raise_compiler_error("structure on " ~ model ~ ": nothing to check") }}
    {%- endif %}

    {%- set checks = parts | join('\n    union all\n') %}
    {%- set scope = structure_scope() %}
    {%- set prefix = '' %}
    {#- A view (staging) is computed again by every scan of it: its rows are read once, into a
        materialized CTE that every check scans: every row when some check needs them all, else
        only the tested counties' rows (and the checks read the CTE as it is). -#}
    {%- if structure_tests_a_view() %}
        {%- set needs_every = scope is none or every in checks %}
        {%- set prefix = 'with structure_rows_read as materialized (select * from ' ~ model
            ~ ('' if needs_every else ' where ' ~ scope) ~ ')' %}
        {%- set model = 'structure_rows_read' %}
        {%- set scope = scope if needs_every else none %}
    {%- endif %}

    {{ prefix }}
    {{ checks | replace(every, structure_rows(model)) | replace(alone, structure_rows(model, scope)) }}

{% endtest %}
