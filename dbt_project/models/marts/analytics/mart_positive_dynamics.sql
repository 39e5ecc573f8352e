{#- One row per municipality × academic year × procedure (dynamics_procedures seed: ВПР, ОГЭ,
    ЕГЭ in mathematics and Russian): how many schools with results in both this and the
    previous year achieved positive dynamics, and how many of the previous year's ШНОР did
    (seed 002). Positive dynamics of a school (DOMAIN §4.1, derived): its share of low results
    fell or its mean rose by more than the procedure's tolerance, and neither moved the other
    way by more than the tolerance. -#}
with

procedures as (
    select * from {{ ref('dynamics_procedures') }}
),

school_years as (
    select * from {{ ref('dim_school_year') }}
),

results as (
    select
        f.school_id,
        f.academic_year,
        p.procedure_label,
        p.mean_tolerance,
        p.low_share_tolerance_pp,
        sum(f.participants_count) as participants_count,
        sum(f.low_result_count) as low_result_count,
        sum(f.result_sum) as result_sum
    from {{ ref('fct_assessment_result') }} as f
    inner join procedures as p
        on
            f.assessment_code = p.assessment_code
            and f.subject_code = p.subject_code
            and f.grade between p.grade_from and p.grade_to
    where f.participants_count > 0 and f.result_sum is not null
    group by
        f.school_id, f.academic_year, p.procedure_label, p.mean_tolerance, p.low_share_tolerance_pp
),

measured as (
    select
        *,
        100.0 * low_result_count / participants_count as pct_low,
        1.0 * result_sum / participants_count as mean_result
    from results
),

compared as (
    select
        c.school_id,
        c.academic_year,
        c.procedure_label,
        c.pct_low - p.pct_low as pct_low_change,
        c.mean_result - p.mean_result as mean_change,
        (
            c.pct_low - p.pct_low < -c.low_share_tolerance_pp
            or c.mean_result - p.mean_result > c.mean_tolerance
        )
        and c.pct_low - p.pct_low <= c.low_share_tolerance_pp
        and c.mean_result - p.mean_result >= -c.mean_tolerance as is_positive
    from measured as c
    inner join measured as p
        on
            c.school_id = p.school_id
            and c.procedure_label = p.procedure_label
            and c.academic_year = p.academic_year + 1
),

with_context as (
    select
        c.*,
        sy.municipality_name,
        coalesce(r.is_shnor, false) as was_shnor
    from compared as c
    inner join school_years as sy on c.school_id = sy.school_id and c.academic_year = sy.academic_year
    left join {{ ref('mart_shnor_risk') }} as r
        on c.school_id = r.school_id and c.academic_year = r.academic_year + 1
),

final as (
    select
        municipality_name,
        academic_year,
        procedure_label,
        count(*) as schools_compared,
        -- sums of integers are HUGEINT in DuckDB: published counts are BIGINT
        cast(sum(case when is_positive then 1 else 0 end) as bigint) as schools_positive,
        {{ pct('sum(case when is_positive then 1 else 0 end)', 'count(*)') }} as pct_schools_positive,
        cast(sum(case when was_shnor then 1 else 0 end) as bigint) as shnor_schools_compared,
        cast(sum(case when was_shnor and is_positive then 1 else 0 end) as bigint) as shnor_schools_positive,
        {{ pct(
            'sum(case when was_shnor and is_positive then 1 else 0 end)',
            'sum(case when was_shnor then 1 else 0 end)'
        ) }} as pct_shnor_schools_positive
    from with_context
    group by municipality_name, academic_year, procedure_label
)

select * from final
