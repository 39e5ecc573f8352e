{#- One row per value cell of a committed version of a municipality's published table. The
    school name is kept as written with the publishing municipality (name matching to
    school_id is a later step); the subject key matches the subject_aliases seed. -#}
with

source as (
    select * from {{ source('municipal_tables', 'published_aggregates') }} as src
    where {{ committed_versions_only('municipal_tables', 'src') }}
),

renamed as (
    select
        academic_year,
        region_code,
        publisher,
        procedure as procedure_code,
        table_title,
        entity_name,
        entity_kind,
        subject_name as subject_name_reported,
        subject_key,
        subject_code_hint,
        grade,
        procedure_year,
        block_label,
        metric,
        metric_kind,
        metric_label,
        value,
        value_count,
        pct_reported,
        missing_kind,
        cell_text,
        source_file,
        source_sheet,
        source_row,
        source_column,
        file_sha256
    from source
)

select * from renamed
