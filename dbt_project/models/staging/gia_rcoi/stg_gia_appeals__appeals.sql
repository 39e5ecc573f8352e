with

source as (
    select * from {{ source('gia_appeals', 'appeals') }} as src
    where {{ committed_versions_only('gia_appeals', 'src') }}
),

renamed as (
    select
        academic_year,
        exam_kind as assessment_code,
        subject_fct_code,
        subject_reported,
        exam_date,
        region_code,
        school_code as school_code_src,
        class_label,
        person_key,
        appeal_type,
        decision_reported,
        decision,
        primary_before,
        score_before,
        primary_after,
        score_after,
        score_change,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
