{#- One row per school × academic year × assessment × subject × grade: participants, the
    distribution of marks (ВПР, ОГЭ, base mathematics) or of ЕГЭ score bands, the share of low
    results ("2", or below the year's minimum), успеваемость, качество, a mean with its measure
    type, and for ВПР the comparison with journal marks. ВПР rows come from ФИС ОКО per-school
    aggregates; ОГЭ and ЕГЭ rows are aggregated from pupil results. Incremental by academic
    year (macros/incremental_years.sql): a run rebuilds only the years whose files changed,
    unless something the years cannot describe changed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='academic_year',
    on_schema_change='fail',
    pre_hook="{{ delete_rebuilt_years() }}",
) }}

with

vpr as (
    select * from {{ ref('int_vpr_results_resolved') }}
    where
        school_id is not null and subject_code is not null and not coalesce(is_superseded, false)
        and {{ only_rebuilt_years() }}
),

exam_sittings as (
    select * from {{ ref('fct_exam_result') }}
    where {{ only_rebuilt_years() }}
),

exams as (
    -- results only: a pupil who did not sit (неявка, не допущен, аннулирован) is counted in
    -- not_sat_count, never in participants
    select * from exam_sittings
    where is_result
),

not_sat as (
    select
        f.school_id,
        f.academic_year,
        f.assessment_code,
        f.subject_code,
        count(*) as not_sat_count
    from exam_sittings as f
    where not f.is_result
    group by f.school_id, f.academic_year, f.assessment_code, f.subject_code
),

assessments as (
    select * from {{ ref('assessments') }}
),

vpr_rows as (
    select
        school_id,
        academic_year,
        'vpr' as assessment_code,
        subject_code,
        work_grade as grade,
        participants_count,
        resolved_mark2_count as mark2_count,
        resolved_mark3_count as mark3_count,
        resolved_mark4_count as mark4_count,
        resolved_mark5_count as mark5_count,
        cast(null as integer) as below_min_count,
        cast(null as integer) as min_to_60_count,
        cast(null as integer) as from_61_to_80_count,
        cast(null as integer) as from_81_to_100_count,
        cast(null as integer) as top_score_count,
        resolved_mark2_count as low_result_count,
        2.0 * resolved_mark2_count + 3.0 * resolved_mark3_count + 4.0 * resolved_mark4_count + 5.0 * resolved_mark5_count as mark_total,
        cast(null as double) as test_score_total,
        cast(null as double) as primary_score_total,
        journal_lowered_count,
        journal_confirmed_count,
        journal_raised_count,
        coalesce(result_source, 'fisoko_aggregate') as result_source
    from vpr
),

exam_rows as (
    select
        e.school_id,
        e.academic_year,
        e.assessment_code,
        e.subject_code,
        a.level_grade as grade,
        count(*) as participants_count,
        -- mark columns for mark-graded results, band columns for 100-point ЕГЭ; NULL otherwise
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 2) end as mark2_count,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 3) end as mark3_count,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 4) end as mark4_count,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 5) end as mark5_count,
        -- below the year's minimum: 100-point scores by their band; base mathematics, graded on
        -- a mark scale, by its minimum mark (ege_min_scores.min_mark: a «2»)
        case
            when count(e.test_score) > 0 then count(*) filter (where e.score_band = 'below_min')
            when count(e.min_mark_applied) > 0 then count(*) filter (where e.is_below_min)
        end as below_min_count,
        case when count(e.test_score) > 0 then count(*) filter (where e.score_band = 'min_to_60') end
            as min_to_60_count,
        case when count(e.test_score) > 0 then count(*) filter (where e.score_band = 'from_61_to_80') end
            as from_61_to_80_count,
        case when count(e.test_score) > 0 then count(*) filter (where e.score_band = 'from_81_to_100') end
            as from_81_to_100_count,
        case when count(e.test_score) > 0 then count(*) filter (where e.is_top_score) end
            as top_score_count,
        count(*) filter (where not e.passed_min) as low_result_count,
        sum(e.mark) as mark_total,
        sum(e.test_score) as test_score_total,
        sum(e.primary_score) as primary_score_total,
        cast(null as integer) as journal_lowered_count,
        cast(null as integer) as journal_confirmed_count,
        cast(null as integer) as journal_raised_count,
        'pupil_level' as result_source
    from exams as e
    inner join assessments as a on e.assessment_code = a.assessment_code
    group by e.school_id, e.academic_year, e.assessment_code, e.subject_code, a.level_grade
),

unioned as (
    select * from vpr_rows
    union all
    select * from exam_rows
),

measured as (
    select
        {{ surrogate_key(['school_id', 'academic_year', 'assessment_code', 'subject_code', 'grade']) }}
            as assessment_result_id,
        school_id,
        {{ surrogate_key(['school_id', 'academic_year']) }} as school_year_key,
        academic_year,
        assessment_code,
        subject_code,
        grade,
        participants_count,
        mark2_count,
        mark3_count,
        mark4_count,
        mark5_count,
        below_min_count,
        min_to_60_count,
        from_61_to_80_count,
        from_81_to_100_count,
        top_score_count,
        low_result_count,
        {{ pct('low_result_count', 'participants_count') }} as pct_low_result,
        -- успеваемость: share of marks 3-5, or of ЕГЭ scores at or above the minimum
        case
            when mark2_count is not null
                then {{ pct('mark3_count + mark4_count + mark5_count', 'participants_count') }}
            when below_min_count is not null
                then {{ pct('participants_count - below_min_count', 'participants_count') }}
        end as pct_passing,
        -- качество: share of marks 4-5 (not defined for 100-point ЕГЭ scores)
        {{ pct('mark4_count + mark5_count', 'participants_count') }} as pct_quality,
        case
            when test_score_total is not null then {{ safe_mean('test_score_total', 'participants_count') }}
            else {{ safe_mean('mark_total', 'mark2_count + mark3_count + mark4_count + mark5_count') }}
        end as mean_value,
        case when test_score_total is not null then 'mean_test_score' else 'mean_mark' end
            as mean_measure_type,
        -- the numerator of mean_value, so that means pool exactly across rows
        coalesce(test_score_total, mark_total) as result_sum,
        case
            when assessment_code = 'oge' then {{ safe_mean('primary_score_total', 'participants_count') }}
        end as mean_primary_score,
        journal_lowered_count,
        journal_confirmed_count,
        journal_raised_count,
        journal_lowered_count + journal_confirmed_count + journal_raised_count as journal_compared_count,
        {{ pct('journal_lowered_count', 'journal_lowered_count + journal_confirmed_count + journal_raised_count') }}
            as pct_journal_lowered,
        {{ pct('journal_confirmed_count', 'journal_lowered_count + journal_confirmed_count + journal_raised_count') }}
            as pct_journal_confirmed,
        {{ pct('journal_raised_count', 'journal_lowered_count + journal_confirmed_count + journal_raised_count') }}
            as pct_journal_raised,
        result_source
    from unioned
)

select
    m.*,
    ns.not_sat_count
from measured as m
left join not_sat as ns
    on
        m.school_id = ns.school_id
        and m.academic_year = ns.academic_year
        and m.assessment_code = ns.assessment_code
        and m.subject_code = ns.subject_code
