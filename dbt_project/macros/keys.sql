{#- One surrogate key macro for the project (no dbt_utils here): md5 over the '|'-joined
    text of the columns, NULL spelled '_null_'. md5 exists on DuckDB, Spark and Trino
    (Trino through the dispatched variant). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'msoko')(columns)) }}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    md5({%- for column in columns %}coalesce(cast({{ column }} as varchar), '_null_'){% if not loop.last %} || '|' || {% endif %}{%- endfor %})
{%- endmacro %}

{% macro trino__surrogate_key(columns) -%}
    lower(to_hex(md5(to_utf8({%- for column in columns %}coalesce(cast({{ column }} as varchar), '_null_'){% if not loop.last %} || '|' || {% endif %}{%- endfor %}))))
{%- endmacro %}
