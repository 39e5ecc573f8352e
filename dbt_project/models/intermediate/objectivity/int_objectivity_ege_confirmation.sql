{#- One row per school × academic year with ЕГЭ in Russian or profile mathematics: how far
    the school's mean test score lies from the mean of the OTHER schools of its region (pupils
    pooled, leave-one-out), averaged over the two subjects. Negative = the school's ЕГЭ is
    below the region: it does not confirm a high ВПР result (marker M2, DOMAIN §4.3). -#}
with

results as (
    select
        f.school_id,
        f.academic_year,
        f.subject_code,
        s.region_code,
        f.participants_count,
        f.result_sum as test_score_total
    from {{ ref('fct_assessment_result') }} as f
    inner join {{ ref('dim_school') }} as s on f.school_id = s.school_id
    where
        f.assessment_code = 'ege'
        and f.subject_code in ('rus', 'math_profile')
        and f.result_sum is not null
        and f.participants_count > 0
),

regional as (
    select
        *,
        sum(participants_count) over work as region_participants_count,
        sum(test_score_total) over work as region_test_score_total
    from results
    window work as (partition by region_code, academic_year, subject_code)
),

per_subject as (
    select
        school_id,
        academic_year,
        subject_code,
        participants_count,
        1.0 * test_score_total / participants_count as mean_test_score,
        case
            when region_participants_count > participants_count
                then
                    1.0 * (region_test_score_total - test_score_total)
                    / (region_participants_count - participants_count)
        end as others_mean_test_score
    from regional
),

final as (
    select
        school_id,
        academic_year,
        sum(participants_count) as ege_participants_count,
        round(avg(mean_test_score), 2) as ege_mean_test_score,
        round(avg(others_mean_test_score), 2) as ege_others_mean_test_score,
        round(avg(mean_test_score - others_mean_test_score), 2) as ege_score_above_others
    from per_subject
    where others_mean_test_score is not null
    group by school_id, academic_year
)

select * from final
