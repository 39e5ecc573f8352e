{#- One row per school × registry snapshot, with the warehouse's cross-year school key.
    school_id = "<region>-<РЦОИ Код ОО of the school's FIRST snapshot>": a Код ОО is unique only
    within its region, and a school keeps its school_id when its code changes later.
    Identity across snapshots: a row is the same school as an earlier row of its region that
    shares its Код ОО, its ФИС ОКО login, or its ИНН + КПП pair (a branch shares its parent's ИНН
    and ОГРН but has its own КПП), or whose code the change list says it changed into
    (code_change); the earliest such row gives the school_id. One hop: a school that changes
    its code AND its login AND its ИНН/КПП between two snapshots is a new school. -#}
with

snapshots as (
    select * from {{ ref('stg_registry__schools') }}
),

code_changes as (
    select
        region_code,
        school_code_src as old_code,
        new_value as new_code
    from {{ ref('stg_registry_changes__changes') }}
    where change_type = 'code_change' and new_value is not null
),

matches as (
    select
        s.region_code,
        s.academic_year,
        s.school_code_src,
        e.academic_year as earlier_year,
        e.school_code_src as earlier_code
    from snapshots as s
    inner join snapshots as e
        on
            s.region_code = e.region_code
            and s.academic_year >= e.academic_year
            and (
                s.school_code_src = e.school_code_src
                or s.fisoko_login = e.fisoko_login
                or (s.inn = e.inn and s.kpp = e.kpp)
            )
    union all
    select
        s.region_code,
        s.academic_year,
        s.school_code_src,
        e.academic_year as earlier_year,
        e.school_code_src as earlier_code
    from snapshots as s
    inner join code_changes as c
        on s.region_code = c.region_code and s.school_code_src = c.new_code
    inner join snapshots as e
        on
            c.region_code = e.region_code
            and c.old_code = e.school_code_src
            and s.academic_year >= e.academic_year
),

anchors as (
    select
        region_code,
        academic_year,
        school_code_src,
        earlier_code as anchor_code,
        row_number() over (
            partition by region_code, academic_year, school_code_src
            order by earlier_year, earlier_code
        ) as rank_in_school
    from matches
),

keyed as (
    select
        s.region_code || '-' || a.anchor_code as school_id,
        s.*
    from snapshots as s
    inner join anchors as a
        on
            s.region_code = a.region_code
            and s.academic_year = a.academic_year
            and s.school_code_src = a.school_code_src
            and a.rank_in_school = 1
),

related as (
    select
        k.*,
        case
            when k.parent_school_code_src is not null
                then coalesce(p.school_id, k.region_code || '-' || k.parent_school_code_src)
        end as parent_school_id,
        case
            when k.successor_school_code_src is not null
                then coalesce(m.school_id, k.region_code || '-' || k.successor_school_code_src)
        end as successor_school_id
    from keyed as k
    left join keyed as p
        on
            k.region_code = p.region_code
            and k.academic_year = p.academic_year
            and k.parent_school_code_src = p.school_code_src
    left join keyed as m
        on
            k.region_code = m.region_code
            and k.academic_year = m.academic_year
            and k.successor_school_code_src = m.school_code_src
)

select * from related
