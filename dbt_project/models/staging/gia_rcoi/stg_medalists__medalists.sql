with

source as (
    select * from {{ source('medalists', 'medalists') }} as src
    where {{ committed_versions_only('medalists', 'src') }}
),

renamed as (
    select
        academic_year,
        graduation_year,
        region_code,
        school_code as school_code_src,
        school_name as school_name_reported,
        person_key,
        medal_degree,
        medal_degree_reported,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
