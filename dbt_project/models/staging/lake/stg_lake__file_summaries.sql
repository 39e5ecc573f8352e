with

source as (
    select * from {{ source('lake', 'file_summaries') }}
),

renamed as (
    select
        source_name,
        source_file,
        source_sheet,
        file_sha256,
        reader_version,
        batch_id,
        academic_year,
        status as read_status,
        status_reason,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_skipped,
        skipped_reasons,
        header_rows,
        read_at
    from source
)

select * from renamed
