{#- The waivers file lives where the deployment's settings say (var msoko:waivers_path, passed by
    the pipeline), read when the model runs; the source declared beside it is what lineage and
    the docs show (referenced here, read through the macro). -#}
{%- set _ = source('config', 'completeness_waivers') -%}
with

source as (
    select * from {{ waivers_file() }}
),

typed as (
    select
        cast(academic_year as integer) as academic_year,
        trim(school_id) as school_id,
        lower(trim(procedure_code)) as procedure_code,
        reason as waiver_reason,
        approved_by as waiver_approved_by,
        cast(approved_on as date) as waiver_approved_on
    from source
    where school_id is not null
)

select * from typed
