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

{#- Generic test: the columns form the table's primary key: no two rows share the combination
    (NULLs compare equal, as in GROUP BY) and none of the columns outside nullable_columns is
    NULL. One test per table, for keys of one column or several. -#}
{% test primary_key(model, columns, nullable_columns=[]) %}
    with duplicates as (
        select {{ columns | join(', ') }}, count(*) as occurrences, 'duplicate key' as failure
        from {{ model }}
        group by {{ columns | join(', ') }}
        having count(*) > 1
    ),

    nulls as (
        select {{ columns | join(', ') }}, 1 as occurrences, 'NULL in a key column' as failure
        from {{ model }}
        where false
        {%- for column in columns if column not in nullable_columns %}
            or {{ column }} is null
        {%- endfor %}
    )

    select * from duplicates
    union all
    select * from nulls
{% endtest %}
