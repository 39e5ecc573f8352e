{#- One row per participant code × ВПР work of the schools' collection forms, with the school
    resolved by its ФИС ОКО login (region-qualified, as int_vpr_results_resolved does) and the
    subject by the subject_aliases seed; the per-task points stay in their columns. Pupil level,
    internal: the source of the objectivity markers M3 (task profile) and M5 (primary-score
    distribution). Unresolved rows keep NULL keys (the form's aggregate row reports them). -#}
with

pupils as (
    select * from {{ ref('stg_vpr_forms__pupil_results') }}
),

identifiers as (
    select * from {{ ref('int_school_identifiers') }}
    where id_type = 'fisoko_login'
),

aliases as (
    select * from {{ ref('subject_aliases') }}
),

resolved as (
    select
        i.school_id,
        p.region_code,
        p.academic_year,
        a.subject_code,
        p.work_grade as grade,
        p.school_login,
        p.participant_code,
        p.variant,
        p.is_absent,
        {%- for task_code in vpr_form_task_codes() %}
            p.{{ vpr_form_task_column(task_code) }},
        {%- endfor %}
        p.primary_score,
        p.mark,
        p.source_file,
        p.source_row
    from pupils as p
    left join identifiers as i
        on p.region_code = i.region_code and p.school_login = i.id_value
    left join aliases as a
        on p.subject_key = a.alias_key
)

select * from resolved
