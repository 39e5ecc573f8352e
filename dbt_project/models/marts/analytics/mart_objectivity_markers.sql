{#- One row per school × academic year × ВПР subject × grade (10+ pupils): the markers of
    non-objective results M1 (journal mismatch), M2 (high result not confirmed by ЕГЭ) and M4
    (sharp year-to-year or cohort change), each a boolean with its evidence, and the school-year
    composite (marker types present, objectivity_risk). DOMAIN §4.3, a DERIVED methodology: it
    is not the federal list of schools with non-objective results. -#}
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

evaluated as (
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
        pr.min_marker_types_for_risk
    from cells as c
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'c.academic_year') }}
    inner join school_years as sy on c.school_id = sy.school_id and c.academic_year = sy.academic_year
    left join school_types as t on sy.school_type = t.school_type
    left join ege as e on c.school_id = e.school_id and c.academic_year = e.academic_year
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
        + max(case when is_m4_sharp_change then 1 else 0 end) as school_marker_types
    from flagged
    group by school_id, academic_year
),

final as (
    select
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
        coalesce(f.is_m1_journal_mismatch, false) as is_m1_journal_mismatch,
        coalesce(f.is_m2_high_not_confirmed, false) as is_m2_high_not_confirmed,
        f.is_m4_sharp_change,
        case when f.is_m1_journal_mismatch then 1 else 0 end
        + case when f.is_m2_high_not_confirmed then 1 else 0 end
        + case when f.is_m4_sharp_change then 1 else 0 end as n_markers,
        s.school_marker_types,
        s.school_marker_types >= f.min_marker_types_for_risk as is_objectivity_risk,
        trim(
            case
                when f.is_m1_journal_mismatch
                    then
                        'M1: ниже журнала ' || cast(f.pct_journal_lowered as varchar) || '% (другие школы '
                        || cast(f.others_pct_journal_lowered as varchar) || '%). '
                else ''
            end
            || case
                when f.is_m2_high_not_confirmed
                    then
                        'M2: средняя отметка ' || cast(f.mean_mark as varchar) || ' при ' || cast(f.others_mean_mark as varchar)
                        || ' у других школ (z=' || cast(f.standing_z as varchar) || '), ЕГЭ ниже региона на '
                        || cast(-f.ege_score_above_others as varchar) || ' б. '
                else ''
            end
            || case
                when f.is_m4_year_jump
                    then
                        'M4: рост позиции z ' || cast(f.previous_year_standing_z as varchar) || ' → '
                        || cast(f.standing_z as varchar) || ' за год. '
                else ''
            end
            || case
                when f.is_m4_cohort_drop
                    then
                        'M4: падение когорты z ' || cast(f.cohort_previous_standing_z as varchar) || ' → '
                        || cast(f.standing_z as varchar) || '. '
                else ''
            end
        ) as evidence
    from flagged as f
    inner join school_year_markers as s on f.school_id = s.school_id and f.academic_year = s.academic_year
)

select * from final
