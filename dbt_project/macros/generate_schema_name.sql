{#-
    A folder's `+schema` is used as the schema name itself (not appended to the target
    schema): staging views go to `staging`, restricted models to `restricted`, and marts to
    the target schema, `analytics_next`, from where the publish step swaps them into `marts`.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
