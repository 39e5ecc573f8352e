{{ config(materialized='table') }}{#- several models and tests read it: computed once -#}
{#- One row per school × academic year in which it existed: the years of the registry snapshots
    that list it, plus data years without any snapshot (attributes carried from the nearest
    snapshot, earlier first) — a data year is one with results of any per-school source: ВПР,
    ЕГЭ, ОГЭ, ГВЭ-9, ГВЭ-11 (a year whose only files are ГВЭ exports still lists its schools),
    olympiads — plus snapshot years between two that list the school but where
    its row was refused (e.g. a bad ИНН check digit sent it to quarantine: carried from the
    nearest earlier snapshot). Attributes are those of the chosen snapshot. -#}
with

snapshots as (
    select * from {{ ref('int_school_snapshots') }}
),

snapshot_years as (
    select distinct academic_year from snapshots
),

data_years as (
    select academic_year from {{ ref('stg_vpr_fisoko__school_results') }}
    union
    select academic_year from {{ ref('stg_ege_rcoi__exam_results') }}
    union
    select academic_year from {{ ref('stg_oge_rcoi__exam_results') }}
    union
    select academic_year from {{ ref('stg_gve9_rcoi__exam_results') }}
    union
    select academic_year from {{ ref('stg_gve11_rcoi__exam_results') }}
    union
    select academic_year from {{ ref('stg_olympiad__results') }}
    union
    select academic_year from snapshot_years
),

years_without_snapshot as (
    select d.academic_year
    from data_years as d
    where d.academic_year not in (select s.academic_year from snapshot_years as s)
),

carried as (
    select
        y.academic_year,
        s.school_id,
        s.academic_year as snapshot_year,
        row_number() over (
            partition by y.academic_year, s.school_id
            order by
                case when s.academic_year <= y.academic_year then 0 else 1 end,
                abs(y.academic_year - s.academic_year)
        ) as nearest
    from years_without_snapshot as y
    cross join (select distinct
        school_id,
        academic_year
    from snapshots) as s
),

school_spans as (
    select
        school_id,
        min(academic_year) as first_year,
        max(academic_year) as last_year
    from snapshots
    group by school_id
),

gaps as (
    select
        y.academic_year,
        sp.school_id,
        max(s.academic_year) as snapshot_year
    from snapshot_years as y
    inner join school_spans as sp
        on y.academic_year > sp.first_year and y.academic_year < sp.last_year
    inner join snapshots as s
        on sp.school_id = s.school_id and y.academic_year > s.academic_year
    where
        not exists (
            select 1 from snapshots as x
            where sp.school_id = x.school_id and y.academic_year = x.academic_year
        )
    group by y.academic_year, sp.school_id
),

chosen as (
    select
        academic_year,
        school_id,
        academic_year as snapshot_year
    from snapshots
    union all
    select
        academic_year,
        school_id,
        snapshot_year
    from carried
    where nearest = 1
    union all
    select
        academic_year,
        school_id,
        snapshot_year
    from gaps
),

school_years as (
    select
        {{ surrogate_key(['c.school_id', 'c.academic_year']) }} as school_year_key,
        c.school_id,
        c.academic_year,
        c.snapshot_year,
        c.snapshot_year <> c.academic_year as is_carried_from_other_year,
        s.region_code,
        s.school_code_src,
        s.fisoko_login,
        s.school_full_name,
        s.school_short_name,
        s.municipality_name,
        s.msu_code,
        s.oktmo,
        s.school_type,
        s.parent_school_id,
        s.successor_school_id,
        s.registry_status,
        s.status_code,
        s.registry_as_of_date,
        s.settlement_name,
        s.is_rural,
        s.is_active,
        s.inn,
        s.kpp,
        s.ogrn
    from chosen as c
    inner join snapshots as s
        on c.school_id = s.school_id and c.snapshot_year = s.academic_year
)

select * from school_years
