{#- The federal lists of schools as published (inputs, not the warehouse's own flags): schools
    with signs of non-objective ВПР results and ШНОР, per year. One row per list entry; the
    school is resolved by its ФИС ОКО login in the region, else by its full or short name as a
    registry snapshot of that region spells it (case and spaces ignored). An entry no registry
    matches keeps school_id NULL (is_school_resolved = false) so that nobody misses it. -#}
with

lists as (
    select * from {{ ref('stg_federal_lists__school_lists') }}
),

logins as (
    select * from {{ ref('int_school_identifiers') }}
    where id_type = 'fisoko_login'
),

names as (
    select distinct
        region_code,
        school_id,
        lower(trim(school_full_name)) as name_key
    from {{ ref('int_school_snapshots') }}
    union
    select distinct
        region_code,
        school_id,
        lower(trim(school_short_name)) as name_key
    from {{ ref('int_school_snapshots') }}
),

unique_names as (
    select
        region_code,
        name_key,
        min(school_id) as school_id
    from names
    group by region_code, name_key
    having count(distinct school_id) = 1
),

resolved as (
    select
        l.*,
        coalesce(lg.school_id, n.school_id) as school_id
    from lists as l
    left join logins as lg
        on l.region_code = lg.region_code and l.school_login = lg.id_value
    left join unique_names as n
        on l.region_code = n.region_code and lower(trim(l.school_name_reported)) = n.name_key
)

select
    {{ surrogate_key(['list_code', 'academic_year', 'source_file', 'source_row']) }}
        as list_entry_id,
    list_code,
    case list_code
        when 'nonobjective_vpr' then 'ОО с признаками необъективных результатов ВПР (федеральный перечень)'
        when 'shnor' then 'ШНОР (федеральный перечень)'
    end as list_name,
    academic_year,
    list_year,
    region_code,
    school_id,
    school_id is not null as is_school_resolved,
    school_login,
    school_name_reported,
    list_type_reported,
    source_file,
    source_row
from resolved
