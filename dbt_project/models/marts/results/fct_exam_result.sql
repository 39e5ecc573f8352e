{#- One row per pupil × exam sitting (ЕГЭ, ОГЭ, ГВЭ-9, ГВЭ-11), pseudonymised, pupils who did
    not sit included (is_result false). Internal: never published.
    Incremental by academic year (macros/incremental_years.sql): a run rebuilds only the years
    whose files changed, unless something the years cannot describe changed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='academic_year',
    on_schema_change='fail',
    pre_hook="{{ delete_rebuilt_years() }}",
) }}

with

scored as (
    select * from {{ ref('int_exam_results_scored') }}
    where school_id is not null and subject_code is not null and {{ only_rebuilt_years() }}
),

final as (
    select
        {{ surrogate_key(['assessment_code', 'subject_code', 'exam_date', 'participant_key']) }}
            as exam_result_id,
        participant_key,
        school_id,
        {{ surrogate_key(['school_id', 'academic_year']) }} as school_year_key,
        academic_year,
        assessment_code,
        subject_code,
        subject_fct_code,
        exam_date,
        class_label,
        pupil_grade,
        primary_score,
        test_score,
        mark,
        process_status,
        is_result,
        annual_mark,
        exam_form,
        appeal_decision,
        score_before_appeal,
        appeal_change,
        min_score as min_score_applied,
        min_mark as min_mark_applied,
        is_below_min,
        is_min_score_verified,
        passed_min,
        passed_min_university,
        score_band,
        is_top_score,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from scored
)

select * from final
