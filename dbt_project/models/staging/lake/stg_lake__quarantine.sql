with

source as (
    select * from {{ source('lake', 'quarantine') }}
),

renamed as (
    select
        source_name,
        source_file,
        source_sheet,
        source_row,
        source_column,
        field_name,
        cell_value,
        reason,
        file_sha256,
        batch_id,
        academic_year
    from source
)

select * from renamed
