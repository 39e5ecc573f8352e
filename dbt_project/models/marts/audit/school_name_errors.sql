{#- One row per source row (file, sheet, row) whose school name the warehouse cannot resolve
    to exactly one registry school: ambiguous (several fit: an error, the candidates listed) or
    unknown (none fits). The fix is data the user supplies: an alias file in
    landing/school_aliases/ (docs/sources/school-names.md). The quality report lists these
    rows; the warn-level tests school_name_is_not_ambiguous and school_name_is_known print them
    in every run. -#}
with

resolution as (
    select * from {{ ref('int_school_name_resolution') }}
    where resolution_status in ('ambiguous', 'unknown')
),

named_rows as (
    select
        'olympiad' as source_name,
        region_code,
        academic_year,
        municipality_name_reported,
        school_name_reported,
        school_code_reported,
        source_file,
        source_sheet,
        source_row
    from {{ ref('stg_olympiad__results') }}
    union all
    select distinct
        'municipal_tables' as source_name,
        region_code,
        academic_year,
        publisher as municipality_name_reported,
        entity_name as school_name_reported,
        cast(null as varchar) as school_code_reported,
        source_file,
        source_sheet,
        source_row
    from {{ ref('stg_municipal_tables__published_aggregates') }}
    where entity_kind = 'school'
),

final as (
    select
        {{ surrogate_key(['n.source_file', 'n.source_sheet', 'n.source_row', 'r.name_id']) }} as school_name_error_id,
        case r.resolution_status when 'ambiguous' then 'error' else 'warn' end as severity,
        r.resolution_status as status,
        n.source_name,
        n.source_file,
        n.source_sheet,
        n.source_row,
        n.region_code,
        n.academic_year,
        n.municipality_name_reported as municipality_name,
        n.school_name_reported as name_as_written,
        n.school_code_reported as school_code_as_written,
        r.method,
        r.candidates_count,
        r.candidates,
        r.reason
    from named_rows as n
    inner join resolution as r
        on
            n.region_code = r.region_code
            and n.academic_year = r.academic_year
            and n.municipality_name_reported is not distinct from r.municipality_name_reported
            and n.school_name_reported = r.school_name_reported
            and n.school_code_reported is not distinct from r.school_code_reported
)

select * from final
