with

source as (
    select * from {{ source('federal_lists', 'school_lists') }} as src
    where {{ committed_versions_only('federal_lists', 'src') }}
),

renamed as (
    select
        academic_year,
        title_year as list_year,
        region_code,
        school_login,
        school_name as school_name_reported,
        list_code,
        list_type_reported,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
