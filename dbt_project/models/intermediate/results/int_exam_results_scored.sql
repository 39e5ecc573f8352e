{#- ЕГЭ, ОГЭ, ГВЭ-9 and ГВЭ-11 results per pupil with the school resolved (region + РЦОИ code), the subject
    resolved (FCT code within the exam kind), the pupil key made school-specific, and the
    result judged against that year's thresholds from the seeds (never literals):
    100-point ЕГЭ subjects by ege_min_scores and ege_score_bands; ЕГЭ base mathematics, graded
    on a mark scale, by the minimum mark of ege_min_scores (min_mark 3: a «2» is below the
    minimum, is_below_min); other mark-graded results (ОГЭ, ГВЭ) pass with mark >= 3. Unresolved rows keep NULL keys and are
    reported by int_unresolved_rows. An appeal (stg_gia_appeals__appeals) matched by pupil key,
    school code, exam, subject and date replaces the score (test score for 100-point ЕГЭ, else
    the mark) and keeps score_before_appeal and appeal_change. Pupils who did not sit
    (process_status absent / not_admitted / annulled) stay as rows without a result; passed_min
    and the band are only judged for results. One row per pupil × exam sitting. -#}
with

sittings as (
    select * from {{ ref('stg_ege_rcoi__exam_results') }}
    union all
    select * from {{ ref('stg_oge_rcoi__exam_results') }}
    union all
    select * from {{ ref('stg_gve9_rcoi__exam_results') }}
    union all
    select * from {{ ref('stg_gve11_rcoi__exam_results') }}
),

appeals as (
    select * from {{ ref('stg_gia_appeals__appeals') }}
),

results as (
    select
        r.academic_year,
        r.assessment_code,
        r.subject_fct_code,
        r.subject_name_reported,
        r.exam_date,
        r.region_code,
        r.msu_code,
        r.school_code_src,
        r.class_label,
        r.pupil_grade,
        r.person_key,
        coalesce(r.process_status, 'ok') as process_status,
        r.participation_status,
        r.annual_mark,
        r.exam_form,
        coalesce(a.primary_after, r.primary_score) as primary_score,
        case
            when a.person_key is not null and r.test_score is not null
                then cast(a.score_after as integer)
            else r.test_score
        end as test_score,
        case
            when a.person_key is not null and r.test_score is null and r.mark is not null
                then cast(a.score_after as integer)
            else r.mark
        end as mark,
        a.decision as appeal_decision,
        case when a.person_key is not null then coalesce(r.test_score, r.mark) end
            as score_before_appeal,
        a.score_before as score_before_appeal_reported,
        case when a.person_key is not null then a.score_after - coalesce(r.test_score, r.mark) end
            as appeal_change,
        r.source_file,
        r.source_sheet,
        r.source_row,
        r.file_sha256
    from sittings as r
    left join appeals as a
        on
            r.region_code = a.region_code
            and r.school_code_src = a.school_code_src
            and r.person_key = a.person_key
            and r.assessment_code = a.assessment_code
            and r.subject_fct_code = a.subject_fct_code
            and r.exam_date = a.exam_date
            and coalesce(r.process_status, 'ok') = 'ok'
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
        m.min_mark,
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
        process_status = 'ok' as is_result,
        case
            when process_status <> 'ok' then null
            when test_score is not null then test_score >= min_score
            when mark is not null then mark >= coalesce(min_mark, 3)
        end as passed_min,
        -- below the year's minimum: a 100-point score under min_score, or a mark under the
        -- minimum mark of a mark-graded ЕГЭ subject (base mathematics: «2»); NULL where the
        -- seed sets no minimum (ОГЭ marks: low_result «2», not "below the minimum")
        case
            when process_status <> 'ok' then null
            when test_score is not null then test_score < min_score
            when mark is not null and min_mark is not null then mark < min_mark
        end as is_below_min,
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
