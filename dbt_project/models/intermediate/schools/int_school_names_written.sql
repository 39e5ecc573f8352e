{#- One row per school name as a source writes it: region × academic year × municipality as
    written × name as written × Код ОО as written (when the file has one), with the number of
    source rows. Sources that name schools in words add their rows here: olympiad protocols and
    the school rows of the tables municipalities publish. -#}
with

olympiad as (
    select
        region_code,
        academic_year,
        municipality_name_reported,
        school_name_reported,
        school_code_reported
    from {{ ref('stg_olympiad__results') }}
),

municipal_tables as (
    select
        region_code,
        academic_year,
        publisher as municipality_name_reported,
        entity_name as school_name_reported,
        cast(null as varchar) as school_code_reported
    from {{ ref('stg_municipal_tables__published_aggregates') }}
    where entity_kind = 'school'
),

named as (
    select * from olympiad
    union all
    select * from municipal_tables
)

select
    region_code,
    academic_year,
    municipality_name_reported,
    school_name_reported,
    school_code_reported,
    count(*) as rows_count
from named
group by region_code, academic_year, municipality_name_reported, school_name_reported, school_code_reported
