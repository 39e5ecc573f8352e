with

source as (
    select * from {{ source('ege_rcoi', 'exam_results') }} as src
    where {{ committed_versions_only('ege_rcoi', 'src') }}
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
