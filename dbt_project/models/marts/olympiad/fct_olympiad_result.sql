{#- One row per participant × subject × stage × academic year of the всероссийская олимпиада
    школьников, pseudonymous. Internal: stays in the warehouse, never published (the published
    counts are mart_olympiad_summary). -#}
with

resolved as (
    select * from {{ ref('int_olympiad_results_resolved') }}
    where school_id is not null and subject_code is not null
),

final as (
    select
        {{ surrogate_key(['participant_key', 'subject_code', 'stage', 'academic_year']) }}
            as olympiad_result_id,
        participant_key,
        school_id,
        {{ surrogate_key(['school_id', 'academic_year']) }} as school_year_key,
        academic_year,
        stage,
        subject_code,
        grade,
        class_label,
        olympiad_status,
        olympiad_status in ('winner', 'prize_winner') as is_awarded,
        score,
        max_score,
        case when max_score > 0 then round(100.0 * score / max_score, {{ var('msoko:pct_digits') }}) end
            as pct_of_max_score,
        school_resolution_method,
        school_name_reported,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from resolved
)

select * from final
