{#- One row per quarantined cell of the files now in the landing folder: bad cells found while
    reading (stage 'reading': file, sheet, row, column, the value — hidden where it could be
    personal — and the reason) and rows the warehouse could not place (stage 'warehouse':
    unknown school code or subject). Quarantined rows are not in the facts. -#}
with

manifest as (
    select * from {{ ref('stg_lake__manifest') }}
),

reading as (
    select
        q.source_name,
        q.source_file,
        q.source_sheet,
        q.source_row,
        q.source_column,
        q.field_name,
        q.cell_value,
        q.reason,
        'reading' as quarantine_stage,
        q.academic_year,
        q.file_sha256
    from {{ ref('stg_lake__quarantine') }} as q
    where exists (
        select 1 from manifest as m
        where m.file_sha256 = q.file_sha256 and m.batch_id = q.batch_id
    )
),

warehouse as (
    select
        source_name,
        source_file,
        source_sheet,
        source_row,
        source_column,
        field_name,
        cell_value,
        reason,
        'warehouse' as quarantine_stage,
        academic_year,
        file_sha256
    from {{ ref('int_unresolved_rows') }}
),

unioned as (
    select * from reading
    union all
    select * from warehouse
)

select
    {{ surrogate_key(['file_sha256', 'source_sheet', 'source_row', 'field_name', 'quarantine_stage']) }}
        as quarantine_id,
    *
from unioned
