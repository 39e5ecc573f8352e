{#- One row per school × academic year × ВПР subject × grade with min_participants or more
    pupils (objectivity_parameters): the mean mark and the spread of marks within the school,
    the journal comparison, and the school's standing among the OTHER schools of its region
    writing the same work (leave-one-out mean and sd of the schools' mean marks, so that an
    outlier does not hide itself in its own reference), with the same standing for the same
    grade last year and for the cohort (grade − 1 last year). Evidence for the markers M1, M2
    and M4 of mart_objectivity_markers (DOMAIN §4.3, derived). -#}
with

parameters as (
    select * from {{ ref('objectivity_parameters') }}
),

results as (
    select
        f.school_id,
        f.academic_year,
        f.subject_code,
        f.grade,
        s.region_code,
        f.participants_count,
        1.0 * (2 * f.mark2_count + 3 * f.mark3_count + 4 * f.mark4_count + 5 * f.mark5_count)
        / f.participants_count as mean_mark,
        1.0 * (4 * f.mark2_count + 9 * f.mark3_count + 16 * f.mark4_count + 25 * f.mark5_count)
        / f.participants_count as mean_square_mark,
        coalesce(f.journal_lowered_count, 0) as journal_lowered_count,
        coalesce(f.journal_compared_count, 0) as journal_compared_count
    from {{ ref('fct_assessment_result') }} as f
    inner join {{ ref('dim_school') }} as s on f.school_id = s.school_id
    where f.assessment_code = 'vpr' and f.mark2_count is not null and f.participants_count > 0
),

eligible as (
    select
        r.*,
        p.min_participants,
        p.significance_z
    from results as r
    inner join parameters as p
        on {{ parameters_in_force('p', 'r.academic_year') }}
    where r.participants_count >= p.min_participants
),

regional as (
    select
        *,
        count(*) over work as schools_count,
        sum(mean_mark) over work as sum_of_means,
        sum(mean_mark * mean_mark) over work as sum_of_squared_means,
        sum(journal_lowered_count) over work as region_journal_lowered_count,
        sum(journal_compared_count) over work as region_journal_compared_count
    from eligible
    window work as (partition by region_code, academic_year, subject_code, grade)
),

standing as (
    select
        school_id,
        academic_year,
        subject_code,
        grade,
        region_code,
        participants_count,
        significance_z,
        mean_mark,
        sqrt(greatest(mean_square_mark - mean_mark * mean_mark, 0)) as marks_sd,
        journal_lowered_count,
        journal_compared_count,
        schools_count - 1 as other_schools_count,
        case when schools_count > 1 then (sum_of_means - mean_mark) / (schools_count - 1) end
            as others_mean_mark,
        case
            when schools_count > 2
                then sqrt(greatest(
                    (
                        sum_of_squared_means - mean_mark * mean_mark
                        - (sum_of_means - mean_mark) * (sum_of_means - mean_mark) / (schools_count - 1)
                    ) / (schools_count - 2),
                    0
                ))
        end as others_sd_of_means,
        region_journal_lowered_count - journal_lowered_count as others_journal_lowered_count,
        region_journal_compared_count - journal_compared_count as others_journal_compared_count
    from regional
),

scored as (
    select
        *,
        mean_mark - others_mean_mark as mean_mark_above_others,
        marks_sd / sqrt(participants_count) as mean_mark_standard_error,
        case when others_sd_of_means > 0 then (mean_mark - others_mean_mark) / others_sd_of_means end
            as standing_z
    from standing
),

final as (
    select
        c.school_id,
        c.academic_year,
        c.subject_code,
        c.grade,
        c.region_code,
        c.participants_count,
        c.significance_z,
        round(c.mean_mark, 3) as mean_mark,
        round(c.others_mean_mark, 3) as others_mean_mark,
        round(c.others_sd_of_means, 3) as others_sd_of_means,
        c.other_schools_count,
        round(c.mean_mark_above_others, 3) as mean_mark_above_others,
        round(c.mean_mark_standard_error, 4) as mean_mark_standard_error,
        round(c.standing_z, 3) as standing_z,
        c.journal_lowered_count,
        c.journal_compared_count,
        {{ pct('c.journal_lowered_count', 'c.journal_compared_count') }} as pct_journal_lowered,
        {{ pct('c.others_journal_lowered_count', 'c.others_journal_compared_count') }}
            as others_pct_journal_lowered,
        round({{ wilson_lower_pct('c.journal_lowered_count', 'c.journal_compared_count', 'c.significance_z') }}, 2)
            as pct_journal_lowered_lower_bound,
        round(p.standing_z, 3) as previous_year_standing_z,
        round(c.mean_mark_above_others - p.mean_mark_above_others, 3) as change_above_others,
        round(
            sqrt(
                c.mean_mark_standard_error * c.mean_mark_standard_error
                + p.mean_mark_standard_error * p.mean_mark_standard_error
            ),
            4
        ) as change_standard_error,
        round(k.standing_z, 3) as cohort_previous_standing_z,
        round(c.mean_mark_above_others - k.mean_mark_above_others, 3) as cohort_change_above_others,
        round(
            sqrt(
                c.mean_mark_standard_error * c.mean_mark_standard_error
                + k.mean_mark_standard_error * k.mean_mark_standard_error
            ),
            4
        ) as cohort_change_standard_error
    from scored as c
    left join scored as p
        on
            c.school_id = p.school_id
            and c.subject_code = p.subject_code
            and c.grade = p.grade
            and c.academic_year = p.academic_year + 1
    left join scored as k
        on
            c.school_id = k.school_id
            and c.subject_code = k.subject_code
            and c.grade = k.grade + 1
            and c.academic_year = k.academic_year + 1
)

select * from final
