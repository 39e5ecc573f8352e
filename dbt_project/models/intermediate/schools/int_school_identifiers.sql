{#- Every identifier under which sources name a school, qualified by region, with the academic
    years in which a registry snapshot listed it. One row per identifier type × value. -#}
with

snapshots as (
    select * from {{ ref('int_school_snapshots') }}
),

identifiers as (
    select
        school_id,
        region_code,
        'rcoi_code' as id_type,
        school_code_src as id_value,
        academic_year
    from snapshots
    union all
    select
        school_id,
        region_code,
        'fisoko_login' as id_type,
        fisoko_login as id_value,
        academic_year
    from snapshots
    where fisoko_login is not null
),

spans as (
    select
        id_type,
        region_code,
        id_value,
        school_id,
        min(academic_year) as first_academic_year,
        max(academic_year) as last_academic_year
    from identifiers
    group by id_type, region_code, id_value, school_id
)

select * from spans
