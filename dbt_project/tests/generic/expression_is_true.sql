{#- Every row satisfies a SQL boolean expression; rows where it is false are failures. -#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not ({{ expression }})

{% endtest %}
