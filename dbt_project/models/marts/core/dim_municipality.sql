{#- One row per municipality (region × name as the registry spells it), with school counts of
    its latest snapshot year. -#}
with

school_years as (
    select * from {{ ref('int_school_years') }}
),

oktmo_seed as (
    select * from {{ ref('municipality_oktmo') }}
),

-- the registry's optional ОКТМО column: its latest snapshot that gives one
registry_oktmo as (
    select
        region_code,
        municipality_name,
        max(oktmo) as oktmo
    from (
        select
            region_code,
            municipality_name,
            oktmo,
            academic_year,
            max(academic_year) over (partition by region_code, municipality_name) as latest_year
        from school_years
        where oktmo is not null
    ) as given
    where academic_year = latest_year
    group by region_code, municipality_name
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
        -- the registry's ОКТМО, else the seed's
        coalesce(max(r.oktmo), max(o.oktmo)) as oktmo,
        case
            when max(r.oktmo) is not null then 'registry'
            when max(o.oktmo) is not null then 'seed'
        end as oktmo_source,
        count(distinct sy.school_id) filter (where sy.academic_year = ly.academic_year) as schools_count,
        count(distinct sy.school_id) filter (
            where sy.academic_year = ly.academic_year and sy.parent_school_id is not null
        ) as branches_count
    from school_years as sy
    cross join latest_year as ly
    left join registry_oktmo as r
        on sy.region_code = r.region_code and sy.municipality_name = r.municipality_name
    left join oktmo_seed as o
        on sy.region_code = o.region_code and sy.municipality_name = o.municipality_name
    group by sy.region_code, sy.municipality_name
)

select * from final
