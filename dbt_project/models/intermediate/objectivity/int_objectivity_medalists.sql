{#- One row per school × academic year with medalists «За особые успехи в учении» counted by
    medalist_parameters and having ЕГЭ results: how many, how many scored below the medalist
    threshold in a 100-point ЕГЭ subject, the share, and the pooled share of the OTHER schools of
    the region that year (leave-one-out). Evidence for marker M7 of mart_objectivity_markers
    (DOMAIN §4.3, derived); the same medalists give П29 per municipality. -#}
with

medalists as (
    select
        m.school_id,
        m.academic_year,
        s.region_code,
        count(*) as medalists_count,
        sum(case when m.has_score_below_threshold then 1 else 0 end) as medalists_low_ege_count,
        max(m.low_score_threshold) as low_score_threshold
    from {{ ref('int_medalist_ege_results') }} as m
    inner join {{ ref('dim_school') }} as s on m.school_id = s.school_id
    where m.is_counted and m.has_ege_results
    group by m.school_id, m.academic_year, s.region_code
),

regional as (
    select
        *,
        sum(medalists_low_ege_count) over work - medalists_low_ege_count as others_low_count,
        sum(medalists_count) over work - medalists_count as others_count
    from medalists
    window work as (partition by region_code, academic_year)
)

select
    school_id,
    academic_year,
    region_code,
    medalists_count,
    medalists_low_ege_count,
    low_score_threshold,
    {{ pct('medalists_low_ege_count', 'medalists_count') }} as pct_medalists_low_ege,
    {{ pct('others_low_count', 'others_count') }} as others_pct_medalists_low_ege
from regional
