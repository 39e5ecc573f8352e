{#- One row per school name as a source writes it: region × academic year × municipality as
    written × name as written × Код ОО as written (when the file has one), with the number of
    source rows. Sources that name schools in words add their rows here (today: olympiad
    protocols). -#}
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

named as (
    select * from olympiad
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
