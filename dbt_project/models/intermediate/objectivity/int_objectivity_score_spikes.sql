{{ config(materialized='table') }}{#- several models and tests read it: computed once -#}
{#- One row per school × academic year × ВПР subject × grade with a pupil-level collection form:
    the marker M5 (atypical primary-score distribution, DOMAIN §4.3, derived). At the threshold
    t of each mark 3, 4, 5 (the lowest primary score giving it: vpr_mark_scales seed, that
    year's scale of the work): spike_count = pupils with exactly t, below_count = pupils with
    t − 2 or t − 1, above_count = t + 1 or t + 2. A spike when spike_count ≥ t_spike × the mean
    of the two scores below (below_count / 2; DOMAIN: ratio ≥ 3) and the spike is beyond noise:
    in a smooth (locally linear) distribution the threshold holds one score in five of the
    window t − 2 … t + 2, so the Wilson lower bound (continuity-corrected, significance_z) of
    spike_count / window must exceed 20 %. The row shows the threshold with the strongest
    evidence (a flagged one first). m5_status: too_few_participants (fewer than
    min_form_participants pupils with a primary score), no_mark_scale (the seed has no scale
    for the work and year); the flag is NULL unless evaluated. -#}
with

parameters as (
    select * from {{ ref('objectivity_parameters') }}
),

scales as (
    select * from {{ ref('vpr_mark_scales') }}
),

pupils as (
    select * from {{ ref('int_vpr_form_pupils_resolved') }}
    where not is_absent and school_id is not null and subject_code is not null
),

forms as (
    select
        school_id,
        region_code,
        academic_year,
        subject_code,
        grade,
        count(primary_score) as scored_participants_count
    from pupils
    group by school_id, region_code, academic_year, subject_code, grade
),

thresholds as (
    select
        academic_year,
        subject_code,
        grade,
        3 as spike_mark,
        mark3_min_score as threshold_score
    from scales
    union all
    select
        academic_year,
        subject_code,
        grade,
        4 as spike_mark,
        mark4_min_score as threshold_score
    from scales
    union all
    select
        academic_year,
        subject_code,
        grade,
        5 as spike_mark,
        mark5_min_score as threshold_score
    from scales
),

counted as (
    select
        f.school_id,
        f.academic_year,
        f.subject_code,
        f.grade,
        t.spike_mark,
        t.threshold_score,
        count(*) filter (where p.primary_score = t.threshold_score) as spike_count,
        count(*) filter (
            where p.primary_score >= t.threshold_score - 2 and p.primary_score < t.threshold_score
        ) as below_count,
        count(*) filter (
            where p.primary_score > t.threshold_score and p.primary_score <= t.threshold_score + 2
        ) as above_count
    from forms as f
    inner join thresholds as t
        on f.academic_year = t.academic_year and f.subject_code = t.subject_code and f.grade = t.grade
    left join pupils as p
        on
            f.school_id = p.school_id
            and f.academic_year = p.academic_year
            and f.subject_code = p.subject_code
            and f.grade = p.grade
    group by f.school_id, f.academic_year, f.subject_code, f.grade, t.spike_mark, t.threshold_score
),

bounded as (
    select
        c.*,
        pr.t_spike,
        case when c.below_count > 0 then 2.0 * c.spike_count / c.below_count end as spike_ratio,
        case
            when c.spike_count > 0
                then {{ wilson_lower_pct('c.spike_count - 0.5', 'c.spike_count + c.below_count + c.above_count', 'pr.significance_z') }}
        end as spike_share_lower_bound
    from counted as c
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'c.academic_year') }}
),

tested as (
    select
        *,
        spike_count > 0
        and spike_count >= t_spike * below_count / 2.0
        and coalesce(spike_share_lower_bound > 20, false) as is_spike
    from bounded
),

strongest as (
    select
        *,
        row_number() over (
            partition by school_id, academic_year, subject_code, grade
            order by
                case when is_spike then 0 else 1 end,
                coalesce(spike_share_lower_bound, -1) desc,
                spike_mark
        ) as evidence_rank
    from tested
),

final as (
    select
        f.school_id,
        f.region_code,
        f.academic_year,
        f.subject_code,
        f.grade,
        case
            when f.scored_participants_count < p.min_form_participants then 'too_few_participants'
            when s.school_id is null then 'no_mark_scale'
            else 'evaluated'
        end as m5_status,
        f.scored_participants_count,
        s.spike_mark,
        s.threshold_score,
        s.spike_count,
        s.below_count,
        s.above_count,
        round(s.spike_ratio, 2) as spike_ratio,
        round(s.spike_share_lower_bound, 2) as spike_share_lower_bound,
        case
            when f.scored_participants_count >= p.min_form_participants and s.school_id is not null
                then coalesce(s.is_spike, false)
        end as is_m5_score_spike
    from forms as f
    inner join parameters as p
        on {{ parameters_in_force('p', 'f.academic_year') }}
    left join strongest as s
        on
            f.school_id = s.school_id
            and f.academic_year = s.academic_year
            and f.subject_code = s.subject_code
            and f.grade = s.grade
            and s.evidence_rank = 1
)

select * from final
