{#- The per-task columns of the ВПР collection forms, as ingestion/sources/vpr_forms.py reads
    them (its TASKS): tasks "1" … "15" and sub-tasks "1.1", "1.2" … "10.2"; the lake column of
    task "3.1" is task_3_1. -#}
{% macro vpr_form_task_codes() -%}
    {%- set codes = [] -%}
    {%- for n in range(1, 16) -%}
        {%- do codes.append(n | string) -%}
    {%- endfor -%}
    {%- for n in range(1, 11) -%}
        {%- for k in (1, 2) -%}
            {%- do codes.append(n ~ '.' ~ k) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(codes) }}
{%- endmacro %}

{#- The lake / staging column of a task code: "3.1" → task_3_1. -#}
{% macro vpr_form_task_column(task_code) -%}
    task_{{ task_code | replace('.', '_') }}
{%- endmacro %}
