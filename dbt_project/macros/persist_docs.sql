{#-
    The column comments of a model (persist_docs), in one statement that asks nothing first.

    dbt-postgres asks the database for the relation's columns before commenting each
    documented column that exists (a documented column may be missing from the relation). For
    that question dbt builds a whole macro context and runs a query, about 10 ms of its own CPU
    a model, 30 models a build. Here PostgreSQL itself keeps the columns the relation has: one
    `do` block comments those of the documented columns found in pg_attribute. The comments
    and the escaping are dbt-postgres's own (postgres_escape_comment).
-#}
{% macro postgres__alter_column_comment(relation, column_dict) %}
  {%- set documented = [] -%}
  {%- for column_name, column in column_dict.items() if column['description'] is string -%}
    {%- do documented.append((column_name if column['quote'] else column_name | lower, column['description'])) -%}
  {%- endfor -%}
  {%- if documented %}
  do $dbt_column_comments$
  declare found record;
  begin
    for found in
      select format('comment on column %s.%I is %L', {{ sql_literal(relation) }}, attribute.attname, documented.comment) as statement
      from (
        values
        {%- for name, comment in documented %}
          ({{ sql_literal(name) }}, {{ postgres_escape_comment(comment) }}){{ "," if not loop.last }}
        {%- endfor %}
      ) as documented (name, comment)
      join pg_attribute as attribute
        on attribute.attrelid = {{ sql_literal(relation.include(database=false)) }}::regclass
        and attribute.attname = documented.name
        and attribute.attnum > 0
        and not attribute.attisdropped
    loop
      execute found.statement;
    end loop;
  end
  $dbt_column_comments$;
  {%- endif %}
{% endmacro %}
