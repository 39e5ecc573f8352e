{#- The staging of one РЦОИ export folder (ege_rcoi, oge_rcoi, gve9_rcoi, gve11_rcoi): one row
    per pupil × exam of a committed file version; the four folders share the reader and
    its columns. A status the export does not give means the pupil sat the exam. -#}
{% macro stg_rcoi_exam_results(source_name) %}
with

source as (
    select * from {{ source(source_name, 'exam_results') }} as src
    where {{ committed_versions_only(source_name, 'src') }}
),

renamed as (
    select
        academic_year,
        exam_kind as assessment_code,
        subject_fct_code,
        subject_title as subject_name_reported,
        exam_date,
        region_code,
        msu_code,
        school_code as school_code_src,
        class_label,
        grade as pupil_grade,
        person_key,
        primary_score,
        test_score,
        mark,
        coalesce(process_status, 'ok') as process_status,
        participation_status,
        annual_mark,
        exam_form,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
{% endmacro %}
