{#- ЕГЭ and ОГЭ results per pupil with the school resolved (region + РЦОИ code), the subject
    resolved (FCT code within the exam kind), the pupil key made school-specific, and the
    result judged against that year's thresholds from the seeds (never literals):
    100-point ЕГЭ subjects by ege_min_scores and ege_score_bands; mark-graded results
    (ОГЭ, base mathematics) pass with mark >= 3. Unresolved rows keep NULL keys and are
    reported by int_unresolved_rows. One row per pupil × exam sitting. -#}
with

results as (
    select * from {{ ref('stg_ege_rcoi__exam_results') }}
    union all
    select * from {{ ref('stg_oge_rcoi__exam_results') }}
),

identifiers as (
    select * from {{ ref('int_school_identifiers') }}
    where id_type = 'rcoi_code'
),

fct_codes as (
    select * from {{ ref('subject_fct_codes') }}
),

minimums as (
    select * from {{ ref('ege_min_scores') }}
),

bands as (
    select * from {{ ref('ege_score_bands') }}
),

resolved as (
    select
        r.*,
        i.school_id,
        f.subject_code,
        case
            when i.school_id is not null then {{ surrogate_key(['r.person_key', 'i.school_id']) }}
        end as participant_key,
        m.min_score,
        m.min_score_university,
        m.is_verified as is_min_score_verified,
        b.mid_band_from,
        b.high_band_from,
        b.top_score
    from results as r
    left join identifiers as i
        on r.region_code = i.region_code and r.school_code_src = i.id_value
    left join fct_codes as f
        on r.assessment_code = f.assessment_code and r.subject_fct_code = f.fct_code
    left join minimums as m
        on r.academic_year = m.academic_year and f.subject_code = m.subject_code
    left join bands as b
        on r.academic_year = b.academic_year
),

scored as (
    select
        *,
        test_score is not null as is_test_scored,
        case
            when test_score is not null then test_score >= min_score
            when mark is not null then mark >= 3
        end as passed_min,
        case
            when test_score is not null and min_score_university is not null
                then test_score >= min_score_university
        end as passed_min_university,
        case
            when test_score is null then null
            when test_score < min_score then 'below_min'
            when test_score < mid_band_from then 'min_to_60'
            when test_score < high_band_from then 'from_61_to_80'
            else 'from_81_to_100'
        end as score_band,
        coalesce(test_score = top_score, false) as is_top_score
    from resolved
)

select * from scored
