{#- The date completeness is judged on: today, or the settings' as-of date (var msoko:as_of_date
    from the pipeline, MSOKO_AS_OF_DATE for dbt started by hand; YYYY-MM-DD) to see what the gate
    says on another day (and to test a year whose data is not yet due). -#}
{% macro as_of_date() -%}
    {%- set day = var('msoko:as_of_date', env_var('MSOKO_AS_OF_DATE', '')) -%}
    {%- if day -%}cast('{{ day }}' as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}

{#- The completeness waivers file of the deployment (Settings.waivers_path), read as text. -#}
{% macro waivers_file() -%}
    read_csv('{{ var('msoko:waivers_path', env_var('MSOKO_WAIVERS_PATH', 'config/completeness_waivers.csv')) }}', header = true, all_varchar = true)
{%- endmacro %}
