{{ config(materialized='table') }}{#- several models and tests read it: computed once -#}
{#- Rows that the reader loaded but the warehouse cannot place: a school code or login that no
    registry snapshot lists, or a subject that no alias names; an appeal whose pupil has no
    result in that subject and exam date; a medalist of an unknown school. They go to the quarantine with
    the warehouse's reason and stay out of the facts. One row per rejected source row. -#}
with

exam_rows as (
    select
        assessment_code || '_rcoi' as source_name,
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
),

appeal_rows as (
    select
        'gia_appeals' as source_name,
        a.source_file,
        a.source_sheet,
        a.source_row,
        a.file_sha256,
        a.academic_year,
        'Предмет' as source_column,
        'subject_reported' as field_name,
        a.subject_reported as cell_value,
        'appeal without a result: no ' || a.assessment_code
        || ' result of this pupil (name), school and subject on ' || cast(a.exam_date as varchar)
            as reason
    from {{ ref('stg_gia_appeals__appeals') }} as a
    where not exists (
        select 1 from {{ ref('int_exam_results_scored') }} as r
        where
            r.region_code = a.region_code
            and r.school_code_src = a.school_code_src
            and r.person_key = a.person_key
            and r.assessment_code = a.assessment_code
            and r.subject_fct_code = a.subject_fct_code
            and r.exam_date = a.exam_date
            and r.is_result
            and r.school_id is not null
            and r.subject_code is not null
    )
),

medalist_rows as (
    select
        'medalists' as source_name,
        m.source_file,
        m.source_sheet,
        m.source_row,
        m.file_sha256,
        m.academic_year,
        'Код ОО' as source_column,
        'school_code' as field_name,
        m.school_code_src as cell_value,
        'unknown school: no registry snapshot of region ' || m.region_code || ' lists this Код ОО'
            as reason
    from {{ ref('stg_medalists__medalists') }} as m
    where not exists (
        select 1 from {{ ref('int_school_identifiers') }} as i
        where
            i.id_type = 'rcoi_code'
            and i.region_code = m.region_code
            and i.id_value = m.school_code_src
    )
)

select * from exam_rows
union all
select * from vpr_rows
union all
select * from appeal_rows
union all
select * from medalist_rows
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
union all
select
    'olympiad' as source_name,
    source_file,
    source_sheet,
    source_row,
    file_sha256,
    academic_year,
    case when school_id is null then 'Образовательная организация' else 'subject in the title' end
        as source_column,
    case when school_id is null then 'school_name' else 'subject_title' end as field_name,
    case
        when school_id is null then coalesce(school_code_reported || ' ', '') || school_name_reported
        else subject_name_reported
    end as cell_value,
    case
        when school_id is null then coalesce(school_resolution_reason, 'unknown school')
        else 'unknown subject: add the name to the subject_aliases seed'
    end as reason
from {{ ref('int_olympiad_results_resolved') }}
where school_id is null or subject_code is null
union all
select
    'school_forms' as source_name,
    source_file,
    source_sheet,
    source_row,
    file_sha256,
    academic_year,
    case when school_code_src is not null then 'Код ОО' else 'Логин ФИС ОКО' end as source_column,
    case when school_code_src is not null then 'school_code' else 'fisoko_login' end as field_name,
    coalesce(school_code_src, fisoko_login) as cell_value,
    'unknown school: no registry snapshot of region ' || region_code || ' lists this '
    || case when school_code_src is not null then 'Код ОО' else 'ФИС ОКО login' end as reason
from {{ ref('int_school_form_rows_resolved') }}
where school_id is null
