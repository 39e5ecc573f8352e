{#- Published olympiad counts: one row per municipality × academic year × stage × subject ×
    grade (ВсОШ), from fct_olympiad_result. Municipality level only: per-school counts are
    often 1–7 pupils (DOMAIN §8). -#}
with

results as (
    select * from {{ ref('fct_olympiad_result') }}
),

schools as (
    select
        school_id,
        academic_year,
        region_code,
        municipality_name
    from {{ ref('int_school_years') }}
),

final as (
    select
        {{ surrogate_key(['s.region_code', 's.municipality_name']) }} as municipality_id,
        s.region_code,
        s.municipality_name,
        r.academic_year,
        r.stage,
        r.subject_code,
        r.grade,
        count(*) as participants_count,
        count(*) filter (where r.olympiad_status = 'winner') as winners_count,
        count(*) filter (where r.olympiad_status = 'prize_winner') as prize_winners_count,
        count(*) filter (where r.is_awarded) as awarded_count,
        count(distinct r.school_id) as schools_count
    from results as r
    inner join schools as s
        on r.school_id = s.school_id and r.academic_year = s.academic_year
    group by s.region_code, s.municipality_name, r.academic_year, r.stage, r.subject_code, r.grade
)

select * from final
