{#- One row per school × academic year × procedure × subject × grade: ВПР subject × grade
    (10+ pupils) with the markers of non-objective results M1 (journal mismatch), M2 (high
    result not confirmed by ЕГЭ), M4 (sharp year-to-year or cohort change) and, from the
    pupil-level collection forms, M3 (inverted difficulty profile) and M5 (a spike of primary
    scores at a mark's threshold) — NULL with m3_status / m5_status saying why where a row
    cannot be evaluated (no form: no_pupil_form, never false); ОГЭ subject
    (grade 9, 10+ pupils compared) with M6 (ОГЭ marks below the annual mark); ЕГЭ medalists
    (grade 11, subject_code 'medalists') with M7 (medalists with a low ЕГЭ score). Each marker a
    boolean with its evidence, and the school-year composite (marker types present,
    objectivity_risk). DOMAIN §4.3, a DERIVED methodology: it is not the federal list of schools
    with non-objective results. -#}
with

cells as (
    select * from {{ ref('int_objectivity_vpr_cells') }}
),

ege as (
    select * from {{ ref('int_objectivity_ege_confirmation') }}
),

parameters as (
    select * from {{ ref('objectivity_parameters') }}
),

school_years as (
    select * from {{ ref('dim_school_year') }}
),

school_types as (
    select * from {{ ref('school_types') }}
),

oge_annual_marks as (
    select * from {{ ref('int_objectivity_oge_annual_marks') }}
),

medalists as (
    select * from {{ ref('int_objectivity_medalists') }}
),

task_difficulty as (
    select * from {{ ref('int_objectivity_task_difficulty') }}
),

score_spikes as (
    select * from {{ ref('int_objectivity_score_spikes') }}
),

vpr_evaluated as (
    select
        sy.school_year_key,
        c.school_id,
        c.academic_year,
        sy.municipality_name,
        sy.school_short_name,
        sy.school_type,
        'vpr' as assessment_code,
        c.subject_code,
        c.grade,
        c.participants_count,
        c.mean_mark,
        c.others_mean_mark,
        c.standing_z,
        c.pct_journal_lowered,
        c.others_pct_journal_lowered,
        c.pct_journal_lowered_lower_bound,
        e.ege_score_above_others,
        c.previous_year_standing_z,
        c.cohort_previous_standing_z,
        cast(null as double) as pct_oge_lowered,
        cast(null as double) as others_pct_oge_lowered,
        cast(null as double) as pct_oge_lowered_lower_bound,
        cast(null as bigint) as medalists_count,
        cast(null as double) as pct_medalists_low_ege,
        cast(null as double) as others_pct_medalists_low_ege,
        coalesce(d.m3_status, 'no_pupil_form') as m3_status,
        d.task_grouping as m3_task_grouping,
        d.form_participants_count,
        d.other_schools_with_forms_count,
        d.pct_basic_done,
        d.others_pct_basic_done,
        d.delta_basic_pp,
        d.pct_hard_done,
        d.others_pct_hard_done,
        d.delta_hard_pp,
        d.inversion_standard_error_pp,
        coalesce(k.m5_status, 'no_pupil_form') as m5_status,
        k.spike_mark,
        k.threshold_score as spike_threshold_score,
        k.spike_count,
        k.below_count as spike_below_count,
        k.above_count as spike_above_count,
        k.spike_ratio,
        k.spike_share_lower_bound,
        -- M1: many marks below the journal, clearly more than elsewhere in the region
        c.journal_compared_count >= pr.min_participants
        and c.pct_journal_lowered >= pr.t_lowered
        and c.pct_journal_lowered_lower_bound > c.others_pct_journal_lowered as is_m1_journal_mismatch,
        -- M2: far above the region's other schools, not a selective school, ЕГЭ below the region
        coalesce(not t.is_selective, true)
        and c.standing_z >= pr.k_high_sd
        and c.mean_mark_above_others >= c.significance_z * c.mean_mark_standard_error
        and e.ege_score_above_others < 0 as is_m2_high_not_confirmed,
        -- M4: the same grade jumps up against last year, or the cohort falls from last year
        c.standing_z - c.previous_year_standing_z >= pr.t_jump_sd
        and c.change_above_others >= c.significance_z * c.change_standard_error as is_m4_year_jump,
        c.cohort_previous_standing_z - c.standing_z >= pr.t_drop_sd
        and -c.cohort_change_above_others >= c.significance_z * c.cohort_change_standard_error
            as is_m4_cohort_drop,
        -- M3 and M5 are decided in their evidence models (NULL: not evaluable, m3/m5_status)
        d.is_m3_inverted_difficulty,
        k.is_m5_score_spike,
        false as is_m6_exam_vs_annual_mark,
        false as is_m7_medalists_low_ege,
        pr.min_marker_types_for_risk
    from cells as c
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'c.academic_year') }}
    inner join school_years as sy on c.school_id = sy.school_id and c.academic_year = sy.academic_year
    left join school_types as t on sy.school_type = t.school_type
    left join ege as e on c.school_id = e.school_id and c.academic_year = e.academic_year
    left join task_difficulty as d
        on
            c.school_id = d.school_id
            and c.academic_year = d.academic_year
            and c.subject_code = d.subject_code
            and c.grade = d.grade
    left join score_spikes as k
        on
            c.school_id = k.school_id
            and c.academic_year = k.academic_year
            and c.subject_code = k.subject_code
            and c.grade = k.grade
),

oge_evaluated as (
    select
        sy.school_year_key,
        o.school_id,
        o.academic_year,
        sy.municipality_name,
        sy.school_short_name,
        sy.school_type,
        'oge' as assessment_code,
        o.subject_code,
        9 as grade,
        o.compared_count as participants_count,
        cast(null as double) as mean_mark,
        cast(null as double) as others_mean_mark,
        cast(null as double) as standing_z,
        cast(null as double) as pct_journal_lowered,
        cast(null as double) as others_pct_journal_lowered,
        cast(null as double) as pct_journal_lowered_lower_bound,
        cast(null as double) as ege_score_above_others,
        cast(null as double) as previous_year_standing_z,
        cast(null as double) as cohort_previous_standing_z,
        o.pct_lowered as pct_oge_lowered,
        o.others_pct_lowered as others_pct_oge_lowered,
        o.pct_lowered_lower_bound as pct_oge_lowered_lower_bound,
        cast(null as bigint) as medalists_count,
        cast(null as double) as pct_medalists_low_ege,
        cast(null as double) as others_pct_medalists_low_ege,
        'not_applicable' as m3_status,
        cast(null as varchar) as m3_task_grouping,
        cast(null as bigint) as form_participants_count,
        cast(null as bigint) as other_schools_with_forms_count,
        cast(null as double) as pct_basic_done,
        cast(null as double) as others_pct_basic_done,
        cast(null as double) as delta_basic_pp,
        cast(null as double) as pct_hard_done,
        cast(null as double) as others_pct_hard_done,
        cast(null as double) as delta_hard_pp,
        cast(null as double) as inversion_standard_error_pp,
        'not_applicable' as m5_status,
        cast(null as integer) as spike_mark,
        cast(null as integer) as spike_threshold_score,
        cast(null as bigint) as spike_count,
        cast(null as bigint) as spike_below_count,
        cast(null as bigint) as spike_above_count,
        cast(null as double) as spike_ratio,
        cast(null as double) as spike_share_lower_bound,
        false as is_m1_journal_mismatch,
        false as is_m2_high_not_confirmed,
        false as is_m4_year_jump,
        false as is_m4_cohort_drop,
        cast(null as boolean) as is_m3_inverted_difficulty,
        cast(null as boolean) as is_m5_score_spike,
        -- M6: many ОГЭ marks below the annual mark, clearly more than elsewhere in the region
        o.pct_lowered >= pr.t_oge_lowered
        and o.pct_lowered_lower_bound > o.others_pct_lowered as is_m6_exam_vs_annual_mark,
        false as is_m7_medalists_low_ege,
        pr.min_marker_types_for_risk
    from oge_annual_marks as o
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'o.academic_year') }}
    inner join school_years as sy on o.school_id = sy.school_id and o.academic_year = sy.academic_year
),

medalist_evaluated as (
    select
        sy.school_year_key,
        m.school_id,
        m.academic_year,
        sy.municipality_name,
        sy.school_short_name,
        sy.school_type,
        'ege' as assessment_code,
        'medalists' as subject_code,
        11 as grade,
        m.medalists_count as participants_count,
        cast(null as double) as mean_mark,
        cast(null as double) as others_mean_mark,
        cast(null as double) as standing_z,
        cast(null as double) as pct_journal_lowered,
        cast(null as double) as others_pct_journal_lowered,
        cast(null as double) as pct_journal_lowered_lower_bound,
        cast(null as double) as ege_score_above_others,
        cast(null as double) as previous_year_standing_z,
        cast(null as double) as cohort_previous_standing_z,
        cast(null as double) as pct_oge_lowered,
        cast(null as double) as others_pct_oge_lowered,
        cast(null as double) as pct_oge_lowered_lower_bound,
        m.medalists_count,
        m.pct_medalists_low_ege,
        m.others_pct_medalists_low_ege,
        'not_applicable' as m3_status,
        cast(null as varchar) as m3_task_grouping,
        cast(null as bigint) as form_participants_count,
        cast(null as bigint) as other_schools_with_forms_count,
        cast(null as double) as pct_basic_done,
        cast(null as double) as others_pct_basic_done,
        cast(null as double) as delta_basic_pp,
        cast(null as double) as pct_hard_done,
        cast(null as double) as others_pct_hard_done,
        cast(null as double) as delta_hard_pp,
        cast(null as double) as inversion_standard_error_pp,
        'not_applicable' as m5_status,
        cast(null as integer) as spike_mark,
        cast(null as integer) as spike_threshold_score,
        cast(null as bigint) as spike_count,
        cast(null as bigint) as spike_below_count,
        cast(null as bigint) as spike_above_count,
        cast(null as double) as spike_ratio,
        cast(null as double) as spike_share_lower_bound,
        false as is_m1_journal_mismatch,
        false as is_m2_high_not_confirmed,
        false as is_m4_year_jump,
        false as is_m4_cohort_drop,
        cast(null as boolean) as is_m3_inverted_difficulty,
        cast(null as boolean) as is_m5_score_spike,
        false as is_m6_exam_vs_annual_mark,
        -- M7: most of the school's medalists scored low in a 100-point ЕГЭ subject
        m.medalists_count >= pr.min_medalists
        and m.pct_medalists_low_ege >= pr.t_medalists_low as is_m7_medalists_low_ege,
        pr.min_marker_types_for_risk
    from medalists as m
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'm.academic_year') }}
    inner join school_years as sy on m.school_id = sy.school_id and m.academic_year = sy.academic_year
),

evaluated as (
    select * from vpr_evaluated
    union all
    select * from oge_evaluated
    union all
    select * from medalist_evaluated
),

flagged as (
    select
        *,
        coalesce(is_m4_year_jump, false) or coalesce(is_m4_cohort_drop, false) as is_m4_sharp_change
    from evaluated
),

school_year_markers as (
    select
        school_id,
        academic_year,
        max(case when is_m1_journal_mismatch then 1 else 0 end)
        + max(case when is_m2_high_not_confirmed then 1 else 0 end)
        + max(case when is_m3_inverted_difficulty then 1 else 0 end)
        + max(case when is_m4_sharp_change then 1 else 0 end)
        + max(case when is_m5_score_spike then 1 else 0 end)
        + max(case when is_m6_exam_vs_annual_mark then 1 else 0 end)
        + max(case when is_m7_medalists_low_ege then 1 else 0 end) as school_marker_types
    from flagged
    group by school_id, academic_year
),

final as (
    select
        {{ surrogate_key(['f.school_id', 'f.academic_year', 'f.assessment_code', 'f.subject_code', 'f.grade']) }}
            as marker_row_id,
        f.school_year_key,
        f.school_id,
        f.academic_year,
        f.municipality_name,
        f.school_short_name,
        f.school_type,
        f.assessment_code,
        f.subject_code,
        f.grade,
        f.participants_count,
        f.mean_mark,
        f.others_mean_mark,
        f.standing_z,
        f.pct_journal_lowered,
        f.others_pct_journal_lowered,
        f.pct_journal_lowered_lower_bound,
        f.ege_score_above_others,
        f.previous_year_standing_z,
        f.cohort_previous_standing_z,
        f.pct_oge_lowered,
        f.others_pct_oge_lowered,
        f.pct_oge_lowered_lower_bound,
        f.medalists_count,
        f.pct_medalists_low_ege,
        f.others_pct_medalists_low_ege,
        f.m3_status,
        f.m3_task_grouping,
        f.form_participants_count,
        f.other_schools_with_forms_count,
        f.pct_basic_done,
        f.others_pct_basic_done,
        f.delta_basic_pp,
        f.pct_hard_done,
        f.others_pct_hard_done,
        f.delta_hard_pp,
        f.inversion_standard_error_pp,
        f.m5_status,
        f.spike_mark,
        f.spike_threshold_score,
        f.spike_count,
        f.spike_below_count,
        f.spike_above_count,
        f.spike_ratio,
        f.spike_share_lower_bound,
        coalesce(f.is_m1_journal_mismatch, false) as is_m1_journal_mismatch,
        coalesce(f.is_m2_high_not_confirmed, false) as is_m2_high_not_confirmed,
        f.is_m3_inverted_difficulty,
        f.is_m4_sharp_change,
        f.is_m5_score_spike,
        coalesce(f.is_m6_exam_vs_annual_mark, false) as is_m6_exam_vs_annual_mark,
        coalesce(f.is_m7_medalists_low_ege, false) as is_m7_medalists_low_ege,
        case when f.is_m1_journal_mismatch then 1 else 0 end
        + case when f.is_m2_high_not_confirmed then 1 else 0 end
        + case when f.is_m3_inverted_difficulty then 1 else 0 end
        + case when f.is_m4_sharp_change then 1 else 0 end
        + case when f.is_m5_score_spike then 1 else 0 end
        + case when f.is_m6_exam_vs_annual_mark then 1 else 0 end
        + case when f.is_m7_medalists_low_ege then 1 else 0 end as n_markers,
        s.school_marker_types,
        s.school_marker_types >= f.min_marker_types_for_risk as is_objectivity_risk,
        trim(
            case
                when f.is_m1_journal_mismatch
                    then
                        'M1: ниже журнала ' || {{ ru_decimal('f.pct_journal_lowered') }} || ' % (другие школы '
                        || {{ ru_decimal('f.others_pct_journal_lowered') }} || ' %). '
                else ''
            end
            || case
                when f.is_m2_high_not_confirmed
                    then
                        'M2: средняя отметка ' || {{ ru_decimal('f.mean_mark') }} || ' при ' || {{ ru_decimal('f.others_mean_mark') }}
                        || ' у других школ (z=' || {{ ru_decimal('f.standing_z') }} || '), ЕГЭ ниже региона на '
                        || {{ ru_decimal('-f.ege_score_above_others') }} || ' б. '
                else ''
            end
            || case
                when f.is_m3_inverted_difficulty
                    then
                        'M3: базовые задания ' || {{ ru_decimal('f.delta_basic_pp') }} || ' п.п., сложные +'
                        || {{ ru_decimal('f.delta_hard_pp') }} || ' п.п. к другим школам региона ('
                        || {{ ru_decimal('f.pct_basic_done') }} || ' % и ' || {{ ru_decimal('f.pct_hard_done') }}
                        || ' % выполнения). '
                else ''
            end
            || case
                when f.is_m4_year_jump
                    then
                        'M4: рост позиции z ' || {{ ru_decimal('f.previous_year_standing_z') }} || ' → '
                        || {{ ru_decimal('f.standing_z') }} || ' за год. '
                else ''
            end
            || case
                when f.is_m4_cohort_drop
                    then
                        'M4: падение когорты z ' || {{ ru_decimal('f.cohort_previous_standing_z') }} || ' → '
                        || {{ ru_decimal('f.standing_z') }} || '. '
                else ''
            end
            || case
                when f.is_m5_score_spike
                    then
                        'M5: ' || {{ ru_decimal('f.spike_count') }} || ' уч. ровно на пороге «'
                        || {{ ru_decimal('f.spike_mark') }} || '» (' || {{ ru_decimal('f.spike_threshold_score') }}
                        || ' перв. б.), ' || {{ ru_decimal('f.spike_below_count') }} || ' на 1–2 балла ниже. '
                else ''
            end
            || case
                when f.is_m6_exam_vs_annual_mark
                    then
                        'M6: ОГЭ ниже годовой отметки у ' || {{ ru_decimal('f.pct_oge_lowered') }} || ' % (другие школы '
                        || {{ ru_decimal('f.others_pct_oge_lowered') }} || ' %). '
                else ''
            end
            || case
                when f.is_m7_medalists_low_ege
                    then
                        'M7: ' || {{ ru_decimal('f.pct_medalists_low_ege') }} || ' % медалистов ('
                        || {{ ru_decimal('f.medalists_count') }} || ' чел.) с баллом ЕГЭ ниже порога (другие школы '
                        || {{ ru_decimal('f.others_pct_medalists_low_ege') }} || ' %). '
                else ''
            end
        ) as evidence
    from flagged as f
    inner join school_year_markers as s on f.school_id = s.school_id and f.academic_year = s.academic_year
)

select * from final
