with

source as (
    select * from {{ source('lake', 'manifest') }}
),

renamed as (
    select
        source_name,
        academic_year,
        file_sha256,
        source_file,
        reader_version,
        batch_id,
        status as version_status,
        status_reason,
        decided_at,
        run_id
    from source
)

select * from renamed
