{#- Rows that the reader loaded but the warehouse cannot place: a school code or login that no
    registry snapshot lists, or a subject that no alias names. They go to the quarantine with
    the warehouse's reason and stay out of the facts. One row per rejected source row. -#}
with

exam_rows as (
    select
        case assessment_code when 'ege' then 'ege_rcoi' else 'oge_rcoi' end as source_name,
        source_file,
        source_sheet,
        source_row,
        file_sha256,
        academic_year,
        case
            when school_id is null then 'Код ОО'
            else 'subject code in the title'
        end as source_column,
        case when school_id is null then 'school_code' else 'subject_fct_code' end as field_name,
        case when school_id is null then school_code_src else subject_fct_code end as cell_value,
        case
            when school_id is null
                then 'unknown school: no registry snapshot of region ' || region_code || ' lists this Код ОО'
            else 'unknown subject code for ' || assessment_code
        end as reason
    from {{ ref('int_exam_results_scored') }}
    where school_id is null or subject_code is null
),

vpr_rows as (
    select
        'vpr_fisoko' as source_name,
        source_file,
        source_sheet,
        source_row,
        file_sha256,
        academic_year,
        case when school_id is null then 'Логин ОО' else 'Предмет' end as source_column,
        case when school_id is null then 'school_login' else 'subject_name' end as field_name,
        case when school_id is null then school_login else subject_name_reported end as cell_value,
        case
            when school_id is null then 'unknown school: no registry snapshot lists this ФИС ОКО login'
            else 'unknown subject: add the name to the subject_aliases seed'
        end as reason
    from {{ ref('int_vpr_results_resolved') }}
    where school_id is null or subject_code is null
)

select * from exam_rows
union all
select * from vpr_rows
