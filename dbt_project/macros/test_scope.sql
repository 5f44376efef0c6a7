{#-
    Which rows a dbt test checks. dbt passes every generic test's model through
    get_where_subquery; this version adds, for tests that judge each row (or each county's rows)
    on its own, a filter to the counties that tonight's build must test again:
    quality.tested_counties(), decided before the build by ingest/quality/scope.py. It answers null
    (every row, no filter) outside a night, when nothing was published yet, and whenever the
    build's inputs changed; see that module for why the other counties' rows need no test
    again. The answer is asked when the test runs and written into its query as a literal
    list, so that the planner reads those counties' rows through the county_code index.

    Tests that keep checking every row:
    - uniqueness whose key has neither the county nor the submission (rows of two counties
      compete), and relationships to a model made from submissions (its rows may come from any
      county); relationships to a model made from the registry or the code alone
      (meta.made_from_submissions: false) are tested on the scoped rows;
    - tests of severity warn (their findings are reported every night);
    - tests whose arguments read the clock (current_date, now()): yesterday's pass may not hold;
    - tests of sources and of models without a county_code column; singular tests.
-#}

{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append(config.get('where')) -%}
    {%- endif -%}
    {%- if test_checks_rows_alone() -%}
        {%- set counties = tested_counties() -%}
        {%- if counties is not none -%}
            {#- a literal list: the planner can use the county_code indexes and estimate well -#}
            {%- do conditions.append(
                "county_code is null or county_code = any('{" ~ counties | join(",") ~ "}'::text[])"
            ) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return("(select * from " ~ relation ~ " where (" ~ conditions | join(") and (") ~ ")) dbt_subquery") -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{#- Whether the test being compiled judges each county's rows without looking at another's. -#}
{% macro test_checks_rows_alone() -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set kwargs = test.get('kwargs') or {} -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) if model.get('attached_node') else none -%}
    {%- if tested is none or 'county_code' not in tested.columns -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- if (config.get('severity') or 'error') | lower != 'error' -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set arguments = kwargs | string | lower -%}
    {%- if 'current_date' in arguments or 'now()' in arguments or 'current_timestamp' in arguments -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- if test.get('name') in ('not_null', 'accepted_values', 'not_null_columns', 'between', 'ranges', 'code_lists', 'matches_pattern', 'expression_is_true') -%}
        {%- do return(true) -%}
    {%- endif -%}
    {%- if test.get('name') == 'unique_combination' -%}
        {%- set key = kwargs.get('combination_of_columns') or [] -%}
        {%- do return('county_code' in key or 'submission_id' in key) -%}
    {%- endif -%}
    {%- if test.get('name') == 'relationships' -%}
        {%- for parent in model.depends_on.nodes if parent != model.attached_node -%}
            {%- set made_from = graph.nodes.get(parent, {}).get('config', {}).get('meta', {}).get('made_from_submissions') -%}
            {%- do return(made_from is false) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do return(false) -%}
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
