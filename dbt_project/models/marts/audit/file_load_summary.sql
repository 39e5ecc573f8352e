{#- One row per file now in the landing folder × sheet: what happened to every row.
    rows_read = rows_loaded + rows_quarantined + rows_skipped + rows_held_back, where
    rows_loaded reached the warehouse, rows_quarantined are in the quarantine table (reading or
    warehouse stage), rows_skipped are title/header/blank/footer/total rows, and rows_held_back
    belong to a file version that is not committed (rejected by an arrival check). -#}
with

landing as (
    -- a file version dropped under two names is read once: its rows are counted on the first
    -- name, the others say whose copy they are
    select
        *,
        row_number() over (partition by file_sha256 order by source_file) as copy_number,
        first_value(source_file) over (
            partition by file_sha256 order by source_file
        ) as first_copy_file
    from {{ ref('stg_lake__landing_files') }}
),

manifest as (
    select * from {{ ref('stg_lake__manifest') }}
),

summaries as (
    select s.*
    from {{ ref('stg_lake__file_summaries') }} as s
    inner join manifest as m
        on s.file_sha256 = m.file_sha256 and s.batch_id = m.batch_id
),

rejected_in_warehouse as (
    select
        file_sha256,
        source_sheet,
        count(distinct source_row) as rows_rejected
    from {{ ref('int_unresolved_rows') }}
    group by file_sha256, source_sheet
),

joined as (
    select
        l.source_name,
        l.source_file,
        s.source_sheet,
        l.academic_year,
        l.file_sha256,
        l.size_bytes,
        l.first_seen_at,
        case
            when l.placement_error is not null then 'unreadable'
            when l.copy_number > 1 and l.file_sha256 is not null then 'duplicate'
            when m.version_status is null then 'not_ingested'
            when s.read_status = 'sheet_ignored' then 'sheet_ignored'
            else m.version_status
        end as file_status,
        case
            when l.copy_number > 1 and l.file_sha256 is not null and l.placement_error is null
                then 'the same bytes as ' || l.first_copy_file || ': read once, counted there'
            else coalesce(l.placement_error, m.status_reason, s.status_reason)
        end as status_reason,
        case when l.copy_number > 1 then 0 else coalesce(s.rows_read, 0) end as rows_read,
        case when l.copy_number > 1 then 0 else coalesce(s.rows_loaded, 0) end as rows_loaded_by_reader,
        case
            when l.copy_number > 1 then 0 else coalesce(s.rows_quarantined, 0)
        end as rows_quarantined_by_reader,
        case
            when l.copy_number > 1 then 0 else coalesce(w.rows_rejected, 0)
        end as rows_rejected_by_warehouse,
        case when l.copy_number > 1 then 0 else coalesce(s.rows_skipped, 0) end as rows_skipped,
        s.skipped_reasons,
        s.header_rows,
        s.read_at
    from landing as l
    left join manifest as m on l.file_sha256 = m.file_sha256 and l.source_name = m.source_name
    left join summaries as s on l.file_sha256 = s.file_sha256
    left join rejected_in_warehouse as w
        on s.file_sha256 = w.file_sha256 and coalesce(s.source_sheet, '') = coalesce(w.source_sheet, '')
),

final as (
    select
        source_name,
        source_file,
        source_sheet,
        academic_year,
        file_sha256,
        size_bytes,
        first_seen_at,
        file_status,
        status_reason,
        rows_read,
        case
            when file_status = 'committed' then rows_loaded_by_reader - rows_rejected_by_warehouse else 0
        end as rows_loaded,
        rows_quarantined_by_reader
        + case when file_status = 'committed' then rows_rejected_by_warehouse else 0 end as rows_quarantined,
        rows_skipped,
        case when file_status = 'committed' then 0 else rows_loaded_by_reader end as rows_held_back,
        skipped_reasons,
        header_rows,
        read_at
    from joined
)

select * from final
