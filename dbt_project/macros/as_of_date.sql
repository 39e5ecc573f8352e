{#- The date completeness is judged on: today, or MSOKO_AS_OF_DATE (YYYY-MM-DD) to see what the
    gate says on another day (and to test a year whose data is not yet due). -#}
{% macro as_of_date() -%}
    {%- set day = env_var('MSOKO_AS_OF_DATE', '') -%}
    {%- if day -%}cast('{{ day }}' as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}
