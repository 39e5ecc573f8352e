{#- One row per school (cross-year key school_id), with the attributes of its latest registry
    snapshot, the span of years it was listed, and the dates of its current version in
    dim_school_history (closed_on: when a closure or merger made it stop). -#}
with

school_years as (
    select * from {{ ref('int_school_years') }}
),

latest as (
    select
        *,
        row_number() over (partition by school_id order by academic_year desc) as recency
    from school_years
),

current_versions as (
    select * from {{ ref('dim_school_history') }}
    where is_current
),

spans as (
    select
        school_id,
        min(academic_year) as first_academic_year,
        max(academic_year) as last_academic_year
    from school_years
    group by school_id
),

final as (
    select
        l.school_id,
        l.region_code,
        l.school_code_src,
        l.fisoko_login,
        l.school_full_name,
        l.school_short_name,
        l.municipality_name,
        {{ surrogate_key(['l.region_code', 'l.municipality_name']) }} as municipality_id,
        l.msu_code,
        l.school_type,
        l.parent_school_id,
        l.parent_school_id is not null as is_branch,
        l.settlement_name,
        l.is_rural,
        l.is_active,
        l.inn,
        l.kpp,
        l.ogrn,
        s.first_academic_year,
        s.last_academic_year,
        v.valid_from,
        v.valid_to,
        coalesce(v.is_current, true) as is_current,
        coalesce(v.is_closed, false) as is_closed,
        case when v.is_closed then v.valid_from end as closed_on,
        v.successor_school_id as merged_into_school_id
    from latest as l
    inner join spans as s on l.school_id = s.school_id
    left join current_versions as v on l.school_id = v.school_id
    where l.recency = 1
)

select * from final
