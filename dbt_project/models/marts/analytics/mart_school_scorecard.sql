{#- One row per school × academic year: the key Russian and mathematics results across ВПР
    (pooled over grades 4-8), ОГЭ and ЕГЭ (mathematics = profile and base: low = below the
    minimum or base "2"), and their change against the previous academic year (percentage
    points for shares, points for means). Schools listed in the registry without results
    have a row with NULL results. -#}
with

school_years as (
    select * from {{ ref('dim_school_year') }}
),

results as (
    select * from {{ ref('fct_assessment_result') }}
),

procedures as (
    select
        school_id,
        academic_year,
        case
            when assessment_code = 'vpr' and subject_code in ('rus', 'math') and grade between 4 and 8
                then 'vpr_' || subject_code
            when assessment_code = 'oge' and subject_code in ('rus', 'math') then 'oge_' || subject_code
            when assessment_code = 'ege' and subject_code = 'rus' then 'ege_rus'
            when assessment_code = 'ege' and subject_code in ('math_profile', 'math_base') then 'ege_math'
        end as procedure_code,
        participants_count,
        low_result_count,
        coalesce(mark4_count, 0) + coalesce(mark5_count, 0) as quality_count,
        coalesce(mark2_count, 0) + coalesce(mark3_count, 0) + coalesce(mark4_count, 0)
        + coalesce(mark5_count, 0) as marked_count,
        case when mean_measure_type = 'mean_mark' then result_sum end as mark_total,
        case when mean_measure_type = 'mean_test_score' then result_sum end as score_total,
        case when mean_measure_type = 'mean_test_score' then participants_count end as scored_count
    from results
),

pooled as (
    select
        school_id,
        academic_year,
        procedure_code,
        -- DuckDB sums integers into HUGEINT, which BI drivers read badly: counts are BIGINT
        cast(sum(participants_count) as bigint) as participants_count,
        {{ pct('sum(low_result_count)', 'sum(participants_count)') }} as pct_low,
        {{ pct('sum(quality_count)', 'sum(marked_count)') }} as pct_quality,
        {{ safe_mean('sum(mark_total)', 'sum(marked_count)') }} as mean_mark,
        {{ safe_mean('sum(score_total)', 'sum(scored_count)') }} as mean_score
    from procedures
    where procedure_code is not null
    group by school_id, academic_year, procedure_code
),

wide as (
    select
        sy.school_year_key,
        sy.school_id,
        sy.academic_year,
        sy.school_short_name,
        sy.municipality_name,
        sy.school_type,
        max(p.participants_count) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_pct_mark2,
        max(p.pct_quality) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_pct_quality,
        max(p.mean_mark) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'vpr_math') as vpr_math_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'vpr_math') as vpr_math_pct_mark2,
        max(p.pct_quality) filter (where p.procedure_code = 'vpr_math') as vpr_math_pct_quality,
        max(p.mean_mark) filter (where p.procedure_code = 'vpr_math') as vpr_math_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'oge_rus') as oge_rus_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'oge_rus') as oge_rus_pct_mark2,
        max(p.mean_mark) filter (where p.procedure_code = 'oge_rus') as oge_rus_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'oge_math') as oge_math_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'oge_math') as oge_math_pct_mark2,
        max(p.mean_mark) filter (where p.procedure_code = 'oge_math') as oge_math_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'ege_rus') as ege_rus_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'ege_rus') as ege_rus_pct_below_min,
        max(p.mean_score) filter (where p.procedure_code = 'ege_rus') as ege_rus_mean_score,
        max(p.participants_count) filter (where p.procedure_code = 'ege_math') as ege_math_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'ege_math') as ege_math_pct_below_min,
        max(p.mean_score) filter (where p.procedure_code = 'ege_math') as ege_math_profile_mean_score
    from school_years as sy
    left join pooled as p
        on sy.school_id = p.school_id and sy.academic_year = p.academic_year
    group by all
),

with_change as (
    select
        cur.*,
        {{ change('cur.vpr_rus_pct_mark2', 'prev.vpr_rus_pct_mark2') }} as vpr_rus_pct_mark2_change,
        {{ change('cur.vpr_rus_mean_mark', 'prev.vpr_rus_mean_mark') }} as vpr_rus_mean_mark_change,
        {{ change('cur.vpr_math_pct_mark2', 'prev.vpr_math_pct_mark2') }} as vpr_math_pct_mark2_change,
        {{ change('cur.vpr_math_mean_mark', 'prev.vpr_math_mean_mark') }} as vpr_math_mean_mark_change,
        {{ change('cur.oge_rus_pct_mark2', 'prev.oge_rus_pct_mark2') }} as oge_rus_pct_mark2_change,
        {{ change('cur.oge_rus_mean_mark', 'prev.oge_rus_mean_mark') }} as oge_rus_mean_mark_change,
        {{ change('cur.oge_math_pct_mark2', 'prev.oge_math_pct_mark2') }} as oge_math_pct_mark2_change,
        {{ change('cur.oge_math_mean_mark', 'prev.oge_math_mean_mark') }} as oge_math_mean_mark_change,
        {{ change('cur.ege_rus_pct_below_min', 'prev.ege_rus_pct_below_min') }} as ege_rus_pct_below_min_change,
        {{ change('cur.ege_rus_mean_score', 'prev.ege_rus_mean_score') }} as ege_rus_mean_score_change,
        {{ change('cur.ege_math_pct_below_min', 'prev.ege_math_pct_below_min') }} as ege_math_pct_below_min_change,
        {{ change('cur.ege_math_profile_mean_score', 'prev.ege_math_profile_mean_score') }}
            as ege_math_profile_mean_score_change
    from wide as cur
    left join wide as prev
        on cur.school_id = prev.school_id and cur.academic_year = prev.academic_year + 1
)

select * from with_change
