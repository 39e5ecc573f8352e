{#- Incremental models keyed by academic year (fct_exam_result, fct_assessment_result).

    The pipeline (orchestration/pipeline/fingerprint.py: incremental_plan) compares the lake's
    manifests with those of the last successful build and passes, per model, the academic years
    whose inputs changed: var msoko:incremental_years = {model name: [years]}. Those years are
    deleted (also a year that vanished from every source) and rebuilt; the others stay. Any
    change the years cannot describe — a model, seed or macro changed, a source that is not
    keyed by the year changed (the registry: school keys span years) — makes the pipeline run
    dbt with --full-refresh. dbt started by hand (no var) rebuilds every year. -#}

{% macro rebuilt_years() -%}
    {#- the years this run rebuilds in the current incremental model: a list, or none for all -#}
    {%- set plan = var('msoko:incremental_years', none) -%}
    {%- if plan is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(plan.get(this.name, [])) }}
{%- endmacro %}

{% macro years_list(years) -%}
    {%- if years -%}{{ years | map('int') | join(', ') }}{%- else -%}null{%- endif -%}
{%- endmacro %}

{% macro only_rebuilt_years(column='academic_year') -%}
    {#- a WHERE predicate: the rows of the years this run rebuilds (every row on a full build) -#}
    {%- set years = rebuilt_years() if is_incremental() else none -%}
    {%- if years is none -%}
        true
    {%- else -%}
        {{ column }} in ({{ years_list(years) }})
    {%- endif -%}
{%- endmacro %}

{% macro delete_rebuilt_years(column='academic_year') -%}
    {#- pre-hook: remove the years about to be rebuilt, so that a year with no rows left leaves -#}
    {%- if is_incremental() -%}
        {%- set years = rebuilt_years() -%}
        delete from {{ this }}
        {%- if years is not none %} where {{ column }} in ({{ years_list(years) }}){% endif %}
    {%- endif -%}
{%- endmacro %}
