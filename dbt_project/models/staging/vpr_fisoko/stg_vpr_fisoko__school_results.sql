with

source as (
    select * from {{ source('vpr_fisoko', 'vpr_school_results') }} as src
    where {{ committed_versions_only('vpr_fisoko', 'src') }}
),

renamed as (
    select
        academic_year,
        region_code,
        school_login,
        school_name as school_name_reported,
        grade as work_grade,
        subject_name as subject_name_reported,
        subject_key,
        participants as participants_count,
        mark2_count,
        mark3_count,
        mark4_count,
        mark5_count,
        mark2_pct as mark2_pct_reported,
        mark3_pct as mark3_pct_reported,
        mark4_pct as mark4_pct_reported,
        mark5_pct as mark5_pct_reported,
        journal_lowered as journal_lowered_count,
        journal_confirmed as journal_confirmed_count,
        journal_raised as journal_raised_count,
        journal_lowered_missing as journal_missing_kind,
        campaign as vpr_campaign,
        is_autumn_campaign,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
