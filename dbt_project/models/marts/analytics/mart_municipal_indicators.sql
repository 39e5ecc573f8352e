{#- One row per municipality × academic year × indicator of the motivating monitoring that the
    warehouse computes from results (DOMAIN §4.4, derived formulas): П22 (minimum level
    reached), П23 (high level reached), П24 (educational equality), each with its numerator,
    denominator and the rule in words. Procedures and parameters are seeds
    (municipal_indicator_procedures, municipal_indicator_parameters). -#}
with

procedures as (
    select * from {{ ref('municipal_indicator_procedures') }}
),

parameters as (
    select * from {{ ref('municipal_indicator_parameters') }}
),

school_years as (
    select * from {{ ref('dim_school_year') }}
),

school_results as (
    select
        f.school_id,
        f.academic_year,
        sy.municipality_name,
        sy.region_code,
        -- П22 pools ЕГЭ mathematics profile and base as one procedure
        case when p.assessment_code = 'ege' and p.subject_code like 'math%' then 'ЕГЭ МА' else p.procedure_label end
            as p22_procedure,
        p.procedure_label,
        p.in_p22,
        p.in_p23,
        f.participants_count,
        f.participants_count - f.low_result_count as minimum_reached_count,
        f.low_result_count,
        coalesce(f.mark5_count, 0) + coalesce(f.from_81_to_100_count, 0) as high_result_count
    from {{ ref('fct_assessment_result') }} as f
    inner join procedures as p
        on
            f.assessment_code = p.assessment_code
            and f.subject_code = p.subject_code
            and f.grade between p.grade_from and p.grade_to
    inner join school_years as sy on f.school_id = sy.school_id and f.academic_year = sy.academic_year
    where f.participants_count > 0
),

p22_procedures as (
    select
        municipality_name,
        academic_year,
        p22_procedure,
        sum(minimum_reached_count) as reached,
        sum(participants_count) as participants
    from school_results
    where in_p22
    group by municipality_name, academic_year, p22_procedure
),

p23_procedures as (
    select
        municipality_name,
        academic_year,
        procedure_label,
        sum(high_result_count) as reached,
        sum(participants_count) as participants
    from school_results
    where in_p23
    group by municipality_name, academic_year, procedure_label
),

p22 as (
    select
        municipality_name,
        academic_year,
        'П22' as indicator_code,
        sum(reached) as numerator,
        sum(participants) as denominator,
        round(avg(100.0 * reached / participants), 2) as indicator_value,
        {{ pct('sum(reached)', 'sum(participants)') }} as pooled_value,
        count(*) as procedures_count
    from p22_procedures
    group by municipality_name, academic_year
),

p23 as (
    select
        municipality_name,
        academic_year,
        'П23' as indicator_code,
        sum(reached) as numerator,
        sum(participants) as denominator,
        round(avg(100.0 * reached / participants), 2) as indicator_value,
        {{ pct('sum(reached)', 'sum(participants)') }} as pooled_value,
        count(*) as procedures_count
    from p23_procedures
    group by municipality_name, academic_year
),

school_low_shares as (
    select
        school_id,
        academic_year,
        municipality_name,
        region_code,
        sum(low_result_count) as low_result_count,
        sum(participants_count) as participants_count
    from school_results
    where in_p22
    group by school_id, academic_year, municipality_name, region_code
),

equality as (
    select
        s.*,
        100.0 * s.low_result_count / s.participants_count as pct_low,
        100.0 * sum(s.low_result_count) over (partition by s.region_code, s.academic_year)
        / sum(s.participants_count) over (partition by s.region_code, s.academic_year) as region_pct_low,
        pr.equality_abs_pct,
        pr.equality_rel_factor
    from school_low_shares as s
    inner join parameters as pr
        on {{ parameters_in_force('pr', 's.academic_year') }}
    where s.participants_count >= pr.min_school_participants
),

p24 as (
    select
        municipality_name,
        academic_year,
        'П24' as indicator_code,
        sum(
            case
                when pct_low <= greatest(equality_abs_pct, region_pct_low * equality_rel_factor) then 1
                else 0
            end
        ) as numerator,
        count(*) as denominator,
        {{ pct(
            'sum(case when pct_low <= greatest(equality_abs_pct, region_pct_low * equality_rel_factor) then 1 else 0 end)',
            'count(*)'
        ) }} as indicator_value,
        cast(null as double) as pooled_value,
        cast(null as bigint) as procedures_count
    from equality
    group by municipality_name, academic_year
),

computed as (
    select * from p22
    union all
    select * from p23
    union all
    select * from p24
),

final as (
    select
        c.municipality_name,
        c.academic_year,
        c.indicator_code,
        i.indicator_name,
        '%' as unit,
        c.indicator_value,
        c.numerator,
        c.denominator,
        c.pooled_value,
        c.procedures_count,
        case c.indicator_code
            when 'П22'
                then 'mean over procedures (ВПР МА/РУ 4–8, ОГЭ МА/РУ, ЕГЭ РУ, ЕГЭ МА) of 100 × results at the minimum level or above / results; numerator and denominator pooled'
            when 'П23'
                then 'mean over procedures of 100 × high results (mark 5; ЕГЭ 81+; base mathematics excluded) / results; numerator and denominator pooled'
            when 'П24'
                then '100 × schools whose share below the minimum (П22 procedures pooled) is at most max(equality_abs_pct, region × equality_rel_factor) / schools with enough results'
        end as rule
    from computed as c
    left join {{ ref('dim_indicator') }} as i
        on c.indicator_code = i.indicator_code and i.programme_code = 'motivating_monitoring'
)

select * from final
