{#- One row per participant code × ВПР work of a committed collection-form version. Pupil
    level (participant codes, no names): used only inside the warehouse (aggregates per school,
    the objectivity markers M3 and M5). The points of every task the reader knows are kept
    (task_1 … task_15, task_1_1 … task_10_2; NULL where the form has no such task or a "-"). -#}
with

source as (
    select * from {{ source('vpr_forms', 'vpr_pupil_results') }} as src
    where {{ committed_versions_only('vpr_forms', 'src') }}
),

renamed as (
    select
        academic_year,
        region_code,
        school_login,
        class_name,
        class_grade,
        work_grade,
        participant_code,
        variant,
        is_absent,
        subject_name as subject_name_reported,
        subject_key,
        {%- for task_code in vpr_form_task_codes() %}
            {{ vpr_form_task_column(task_code) }},
        {%- endfor %}
        primary_score,
        mark,
        journal_mark,
        campaign as vpr_campaign,
        is_autumn_campaign,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
