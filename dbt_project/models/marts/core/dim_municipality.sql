{#- One row per municipality (region × name as the registry spells it), with school counts of
    its latest snapshot year. -#}
with

school_years as (
    select * from {{ ref('int_school_years') }}
),

latest_year as (
    select max(academic_year) as academic_year from school_years
),

final as (
    select
        {{ surrogate_key(['sy.region_code', 'sy.municipality_name']) }} as municipality_id,
        sy.region_code,
        sy.municipality_name,
        max(sy.msu_code) as msu_code,
        count(distinct sy.school_id) filter (where sy.academic_year = ly.academic_year) as schools_count,
        count(distinct sy.school_id) filter (
            where sy.academic_year = ly.academic_year and sy.parent_school_id is not null
        ) as branches_count
    from school_years as sy
    cross join latest_year as ly
    group by sy.region_code, sy.municipality_name
)

select * from final
