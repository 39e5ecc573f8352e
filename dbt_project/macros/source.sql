{#- Lake sources name their Parquet paths relative to the lake folder, so that one parsed
    manifest serves every deployment (models/staging/*/_*__sources.yml). The SQL a model is
    built with names them absolutely, from the run's lake folder (var msoko:lake_dir, the
    settings' lake), so that the warehouse's views read the lake whoever opens the file and
    from wherever: an analyst, the publisher, a test. dbt started by hand without the var uses
    MSOKO_LAKE_DIR, else MSOKO_DATA_DIR/lake, else data/lake (relative to the working
    directory, as before). -#}
{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- set text = relation | string -%}
    {%- if text.startswith("read_parquet('") and not text.startswith("read_parquet('/") -%}
        {{ return(text.replace("read_parquet('", "read_parquet('" ~ lake_folder() ~ "/", 1)) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro lake_folder() -%}
    {{ return(var('msoko:lake_dir', env_var('MSOKO_LAKE_DIR', env_var('MSOKO_DATA_DIR', 'data') ~ '/lake')) | replace("'", "''")) }}
{%- endmacro %}
