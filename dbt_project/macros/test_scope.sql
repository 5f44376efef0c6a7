{#-
    Which rows the checks of a `structure` test read (tests/generic/structure.sql). On a night,
    the checks that judge each county's rows on their own read only the counties that tonight's
    build must test again: quality.tested_counties(), decided before the build by
    ingest/quality/scope.py. It answers null (every row, no filter) outside a night, when nothing
    was published yet, and whenever the build's inputs changed; see that module for why the
    other counties' rows need no test again. The answer is asked when the test runs and written
    into its query as a literal list, so that the planner reads those counties' rows through the
    county_code index.

    Checks that keep reading every row:
    - a key that has neither the county nor the submission (rows of two counties compete);
    - a reference to a model made from submissions (its rows may come from any county); a
      reference to a model made from the registry or the code alone
      (meta.made_from_submissions: false) reads the scoped rows;
    - a bound or a condition that reads the clock (current_date, now()): yesterday's pass may
      not hold;
    - every check of a test of severity warn (its findings are reported every night), of a
      source, of a model without a county_code column.
    Other tests (dbt's own, singular ones) read every row.
-#}

{#- The model, snapshot or seed the test being compiled is attached to (none for a source). -#}
{% macro structure_tested_node() -%}
    {%- do return(graph.nodes.get(model.get('attached_node')) if model.get('attached_node') else none) -%}
{%- endmacro %}


{#- The condition that keeps tonight's tested counties' rows, or none for every row. -#}
{% macro structure_scope() -%}
    {%- set tested = structure_tested_node() -%}
    {%- if tested is none or 'county_code' not in tested.columns -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if (config.get('severity') or 'error') | lower != 'error' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set counties = tested_counties() -%}
    {%- if counties is none -%}
        {%- do return(none) -%}
    {%- endif -%}
    {#- a literal list: the planner can use the county_code indexes and estimate well -#}
    {%- do return("county_code is null or county_code = any('{" ~ counties | join(",") ~ "}'::text[])") -%}
{%- endmacro %}


{#- Whether a key judges each county's rows alone: it has the county or the submission. -#}
{% macro structure_key_alone(columns) -%}
    {%- do return('county_code' in columns or 'submission_id' in columns) -%}
{%- endmacro %}


{#- Whether the tested model is a view (computed again by every scan of it). -#}
{% macro structure_tests_a_view() -%}
    {%- set tested = structure_tested_node() -%}
    {%- do return(tested is not none and tested.config.materialized == 'view') -%}
{%- endmacro %}


{#- Whether a bound, a condition or any value inside `value` reads the clock. -#}
{% macro structure_reads_clock(value) -%}
    {%- set text = value | string | lower -%}
    {%- do return('current_date' in text or 'now()' in text or 'current_timestamp' in text) -%}
{%- endmacro %}


{#- Whether the relation a reference points to is made from the counties' submissions: false
    only for a model whose meta says made_from_submissions: false. -#}
{% macro structure_made_from_submissions(relation) -%}
    {%- for parent in model.depends_on.nodes -%}
        {%- set node = graph.nodes.get(parent) -%}
        {%- if node is not none and node.schema == relation.schema
              and (node.alias or node.name) == relation.identifier -%}
            {%- do return(node.get('config', {}).get('meta', {}).get('made_from_submissions') is not false) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(true) -%}
{%- endmacro %}


{#- The counties tonight's build tests (a list), or none for every row. Asked of the
    warehouse when the test runs; at parse time, none. -#}
{% macro tested_counties() -%}
    {%- if not execute -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set answer = run_query("select array_to_string(quality.tested_counties(), ',')").columns[0].values()[0] -%}
    {%- do return(none if answer is none else answer.split(',') | reject('equalto', '') | list) -%}
{%- endmacro %}
