{#- Generic test: the combination of columns is unique (dbt_utils is not reachable here). -#}
{% test dbt_utils_free_unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Generic test: every row satisfies the SQL expression. -#}
{% test expression_is_true_free(model, expression) %}
    select * from {{ model }} where not ({{ expression }})
{% endtest %}

{#- Generic test: values lie within [min_value, max_value] (NULLs pass). -#}
{% test accepted_range_free(model, column_name, min_value, max_value) %}
    select * from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
