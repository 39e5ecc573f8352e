{#- One row per column of the published file: schema, table, position, column, type, Russian
    label and description. Built at compile time from the project graph — every model and seed
    whose meta.publish is true, its YAML columns in order (doc blocks already rendered), the
    contract's data_type or the seed's column_types — plus the columns the publisher writes
    (this model's meta.publisher_columns). A column without its own meta.label_ru takes the
    shared label of the seed shared_column_labels. -#}
{%- set rows = [] -%}
{%- if execute -%}
    {%- set publisher_columns = model.config.meta.get('publisher_columns', []) -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
        {%- if node.resource_type in ['model', 'seed'] and node.config.meta.get('publish') -%}
            {%- set table_name = node.alias or node.name -%}
            {%- set position = namespace(value=0) -%}
            {%- for column in node.columns.values() -%}
                {%- set position.value = position.value + 1 -%}
                {%- if node.resource_type == 'seed' -%}
                    {%- set data_type = (node.config.column_types or {}).get(column.name) -%}
                {%- else -%}
                    {%- set data_type = column.data_type -%}
                {%- endif -%}
                {%- do rows.append([
                    node.schema, table_name, position.value, column.name, data_type,
                    (column.meta or {}).get('label_ru'), column.description, 'dbt'
                ]) -%}
            {%- endfor -%}
            {%- if node.config.meta.get('suppress_small_groups') -%}
                {%- for extra in publisher_columns if extra.table == '*' -%}
                    {%- set position.value = position.value + 1 -%}
                    {%- do rows.append([
                        node.schema, table_name, position.value, extra.column, extra.data_type,
                        extra.label_ru, extra.description, 'publisher'
                    ]) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set position = namespace(value=0, table='') -%}
    {%- for extra in publisher_columns if extra.table != '*' -%}
        {%- set position.value = position.value + 1 if extra.table == position.table else 1 -%}
        {%- set position.table = extra.table -%}
        {%- do rows.append([
            extra.schema, extra.table, position.value, extra.column, extra.data_type,
            extra.label_ru, extra.description, 'publisher'
        ]) -%}
    {%- endfor -%}
{%- endif -%}

with

graph_columns as (
    {% if rows -%}
        select
            v.schema_name,
            v.table_name,
            v.column_position,
            v.column_name,
            v.data_type,
            v.label_ru,
            v.description,
            v.added_by
        from (
            values
            {%- for r in rows %}
                (
                    {{ sql_literal(r[0]) }}, {{ sql_literal(r[1]) }}, {{ r[2] }}, {{ sql_literal(r[3]) }},
                    {{ sql_literal(r[4] | upper if r[4] else none) }}, {{ sql_literal(r[5]) }},
                    {{ sql_literal(r[6]) }}, {{ sql_literal(r[7]) }}
                ){{ ',' if not loop.last }}
            {%- endfor %}
        ) as v (
            schema_name, table_name, column_position, column_name, data_type, label_ru, description, added_by
        )
    {%- else -%}
        {#- at parse time (and for sqlfluff) the graph is not loaded: an empty relation of the same shape -#}
        select
            cast(null as varchar) as schema_name,
            cast(null as varchar) as table_name,
            cast(null as integer) as column_position,
            cast(null as varchar) as column_name,
            cast(null as varchar) as data_type,
            cast(null as varchar) as label_ru,
            cast(null as varchar) as description,
            cast(null as varchar) as added_by
        where false
    {%- endif %}
),

shared_labels as (
    select * from {{ ref('shared_column_labels') }}
),

final as (
    select
        c.schema_name,
        c.table_name,
        cast(c.column_position as integer) as column_position,
        c.column_name,
        c.data_type,
        coalesce(nullif(trim(c.label_ru), ''), s.label_ru) as label_ru,
        nullif(trim(c.description), '') as description,
        c.added_by
    from graph_columns as c
    left join shared_labels as s on c.column_name = s.column_name
)

select * from final
