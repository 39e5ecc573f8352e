{#- One row per municipality × academic year × indicator of the motivating monitoring that the
    warehouse computes from results (DOMAIN §4.4, derived formulas): П22 (minimum level
    reached), П23 (high level reached), П24 (educational equality), П29 (medalists with a ЕГЭ
    score below the medalist threshold), П30 (regional-stage ВсОШ winners and prize-winners
    among pupils of grades 9–11), П31 (schools with such a pupil), each with its numerator,
    denominator and the rule in words. Procedures and parameters are seeds
    (municipal_indicator_procedures, municipal_indicator_parameters; medalist_parameters for
    П29 through int_medalist_ege_results). -#}
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

p29 as (
    select
        sy.municipality_name,
        m.academic_year,
        'П29' as indicator_code,
        sum(case when m.has_score_below_threshold then 1 else 0 end) as numerator,
        count(*) as denominator,
        {{ pct('sum(case when m.has_score_below_threshold then 1 else 0 end)', 'count(*)') }}
            as indicator_value,
        cast(null as double) as pooled_value,
        cast(null as bigint) as procedures_count
    from {{ ref('int_medalist_ege_results') }} as m
    inner join school_years as sy on m.school_id = sy.school_id and m.academic_year = sy.academic_year
    where m.is_counted
    group by sy.municipality_name, m.academic_year
),

-- П30 and П31: winners and prize-winners of the regional stage, pupils of grades 9–11
regional_awards as (
    select
        school_id,
        academic_year,
        participant_key
    from {{ ref('fct_olympiad_result') }}
    where stage = 'regional' and is_awarded and grade between 9 and 11
),

-- П30: only school-years with a pupil count of grades 9–11 in the profile, numerator and denominator alike
profile_pupils as (
    select
        school_id,
        academic_year,
        municipality_name,
        coalesce(pupils_grade_9, 0) + coalesce(pupils_grade_10, 0) + coalesce(pupils_grade_11, 0)
            as pupils_9_11
    from {{ ref('fct_school_profile') }}
    where coalesce(pupils_grade_9, pupils_grade_10, pupils_grade_11) is not null
),

p30_awarded as (
    select
        pp.municipality_name,
        pp.academic_year,
        count(distinct a.participant_key) as awarded_pupils
    from regional_awards as a
    inner join profile_pupils as pp on a.school_id = pp.school_id and a.academic_year = pp.academic_year
    group by pp.municipality_name, pp.academic_year
),

p30_pupils as (
    select
        municipality_name,
        academic_year,
        sum(pupils_9_11) as pupils_9_11
    from profile_pupils
    group by municipality_name, academic_year
),

p30 as (
    select
        p.municipality_name,
        p.academic_year,
        'П30' as indicator_code,
        coalesce(a.awarded_pupils, 0) as numerator,
        p.pupils_9_11 as denominator,
        {{ pct('coalesce(a.awarded_pupils, 0)', 'p.pupils_9_11') }} as indicator_value,
        cast(null as double) as pooled_value,
        cast(null as bigint) as procedures_count
    from p30_pupils as p
    left join p30_awarded as a on p.municipality_name = a.municipality_name and p.academic_year = a.academic_year
),

-- П31: a branch counts as its legal entity (parent_school_id); schools working in the year
awarded_schools as (
    select distinct
        school_id,
        academic_year
    from regional_awards
),

school_entities as (
    select
        sy.municipality_name,
        sy.academic_year,
        coalesce(sy.parent_school_id, sy.school_id) as entity_id,
        a.school_id is not null as has_awarded_pupil
    from school_years as sy
    left join awarded_schools as a on sy.school_id = a.school_id and sy.academic_year = a.academic_year
    where sy.is_active
),

p31 as (
    select
        municipality_name,
        academic_year,
        'П31' as indicator_code,
        count(distinct case when has_awarded_pupil then entity_id end) as numerator,
        count(distinct entity_id) as denominator,
        {{ pct(
            'count(distinct case when has_awarded_pupil then entity_id end)',
            'count(distinct entity_id)'
        ) }} as indicator_value,
        cast(null as double) as pooled_value,
        cast(null as bigint) as procedures_count
    from school_entities
    group by municipality_name, academic_year
),

computed as (
    select * from p22
    union all
    select * from p23
    union all
    select * from p24
    union all
    select * from p29
    union all
    select * from p30
    union all
    select * from p31
),

final as (
    select
        c.municipality_name,
        c.academic_year,
        c.indicator_code,
        i.indicator_name,
        '%' as unit,
        c.indicator_value,
        -- П22/П23 sum counts (HUGEINT in DuckDB): published counts are BIGINT
        cast(c.numerator as bigint) as numerator,
        cast(c.denominator as bigint) as denominator,
        c.pooled_value,
        c.procedures_count,
        case c.indicator_code
            when 'П22'
                then 'mean over procedures (ВПР МА/РУ 4–8, ОГЭ МА/РУ, ЕГЭ РУ, ЕГЭ МА) of 100 × results at the minimum level or above / results; numerator and denominator pooled'
            when 'П23'
                then 'mean over procedures of 100 × high results (mark 5; ЕГЭ 81+; base mathematics excluded) / results; numerator and denominator pooled'
            when 'П24'
                then '100 × schools whose share below the minimum (П22 procedures pooled) is at most max(equality_abs_pct, region × equality_rel_factor) / schools with enough results'
            when 'П29'
                then '100 × medalists «За особые успехи в учении» of the year (degrees counted in medalist_parameters) with a ЕГЭ test score below the seed threshold (low_score_threshold, 70; base mathematics excluded unless the seed counts it) in any subject / those medalists; lower is better'
            when 'П30'
                then '100 × distinct pupils of grades 9–11 who are winners or prize-winners of the regional stage of the ВсОШ / pupils of grades 9–11 (fct_school_profile); only school-years with a grades 9–11 count in the profile, in numerator and denominator'
            when 'П31'
                then '100 × schools with at least one winner or prize-winner of the regional stage of the ВсОШ of grades 9–11 / schools working in the year (registry status active); a branch counts as its legal entity (parent_school_id)'
        end as rule,
        -- the same rule in Russian, for the analytical note an official signs
        case c.indicator_code
            when 'П22'
                then 'Среднее по процедурам (ВПР по математике и русскому языку, 4–8 классы; ОГЭ по математике и русскому языку; ЕГЭ по русскому языку и математике) доли результатов не ниже минимального уровня; числитель и знаменатель — суммы по процедурам'
            when 'П23'
                then 'Среднее по процедурам доли высоких результатов (отметка «5»; ЕГЭ — 81 балл и выше; базовая математика не учитывается); числитель и знаменатель — суммы по процедурам'
            when 'П24'
                then 'Доля школ, у которых доля результатов ниже минимального уровня (процедуры П22 вместе) не выше наибольшего из двух порогов: абсолютного и регионального значения с коэффициентом (справочник параметров), среди школ с достаточным числом результатов'
            when 'П29'
                then 'Доля медалистов «За особые успехи в учении» года, набравших по одному из предметов ЕГЭ балл ниже порога (70; базовая математика не учитывается, если справочник не указывает иное); чем ниже, тем лучше'
            when 'П30'
                then 'Доля обучающихся 9–11 классов — победителей и призёров регионального этапа ВсОШ в численности обучающихся 9–11 классов (по формам мониторинга ОО)'
            when 'П31'
                then 'Доля школ, в которых обучаются победители и призёры регионального этапа ВсОШ 9–11 классов, среди действующих школ (филиал считается в составе головной организации)'
        end as rule_ru
    from computed as c
    left join {{ ref('dim_indicator') }} as i
        on c.indicator_code = i.indicator_code and i.programme_code = 'motivating_monitoring'
)

select * from final
