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
        case result_source when 'pupil_level' then 'vpr_forms' else 'vpr_fisoko' end as source_name,
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
union all
select
    'indicators' as source_name,
    source_file,
    source_sheet,
    source_row,
    file_sha256,
    academic_year,
    'title' as source_column,
    case when municipality_id is null then 'territory_name' else 'programme_title' end as field_name,
    case when municipality_id is null then territory_name_reported else programme_title end as cell_value,
    case
        when municipality_id is null
            then 'unknown territory: no registry municipality of region ' || region_code || ' has this name'
        else 'unknown programme: add a title_pattern to the indicator_programmes seed'
    end as reason
from {{ ref('int_indicator_values_resolved') }}
where municipality_id is null or programme_code is null
union all
select
    'mechanisms' as source_name,
    source_file,
    source_sheet,
    source_row,
    file_sha256,
    academic_year,
    case
        when municipality_id is null then 'Муниципалитет'
        when direction_code is null then 'Направление'
        else 'Компонент управленческого цикла'
    end as source_column,
    case
        when municipality_id is null then 'entity_name'
        when direction_code is null then 'direction_name'
        else 'component_name'
    end as field_name,
    case
        when municipality_id is null then entity_name_reported
        when direction_code is null then direction_name_reported
        else component_name_reported
    end as cell_value,
    case
        when municipality_id is null
            then 'unknown municipality: no registry municipality of region ' || region_code || ' has this name'
        when direction_code is null then 'unknown direction: not one of the 8 of the mechanism_directions seed'
        else 'unknown component of the management cycle: see the mechanism_components seed'
    end as reason
from {{ ref('int_mechanism_scores_resolved') }}
where municipality_id is null or direction_code is null or component_code is null
