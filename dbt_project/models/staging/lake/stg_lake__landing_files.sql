with

source as (
    select * from {{ source('lake', 'landing_index') }}
),

renamed as (
    select
        source_name,
        source_file,
        size_bytes,
        file_sha256,
        region_code,
        academic_year,
        error as placement_error,
        first_seen_at,
        scanned_at
    from source
)

select * from renamed
