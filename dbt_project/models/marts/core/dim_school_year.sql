{#- One row per school × academic year (the school-in-a-year key school_year_key), with that
    year's registry attributes and the procedures its type takes (school_types seed). -#}
with

school_years as (
    select * from {{ ref('int_school_years') }}
),

types as (
    select * from {{ ref('school_types') }}
),

final as (
    select
        sy.school_year_key,
        sy.school_id,
        sy.academic_year,
        sy.region_code,
        sy.school_code_src,
        sy.fisoko_login,
        sy.school_full_name,
        sy.school_short_name,
        sy.municipality_name,
        {{ surrogate_key(['sy.region_code', 'sy.municipality_name']) }} as municipality_id,
        sy.school_type,
        sy.parent_school_id,
        sy.is_rural,
        sy.is_active,
        sy.snapshot_year,
        sy.is_carried_from_other_year,
        coalesce(t.takes_vpr, true) as takes_vpr,
        coalesce(t.takes_oge, true) as takes_oge,
        coalesce(t.takes_ege, true) as takes_ege
    from school_years as sy
    left join types as t on sy.school_type = t.school_type
)

select * from final
