{#- Evidence for marker M7 and П29 (DOMAIN §2.3, §4.4): each medalist «За особые успехи в учении»
    with the ЕГЭ results of the same pupil (participant_key = the HMAC person key and the school,
    as in fct_exam_result). One row per medalist × academic year: the 100-point ЕГЭ subjects
    taken, the lowest test score, how many are below the year's threshold (seed
    medalist_parameters, default 70) and whether any is; base mathematics is excluded unless the
    seed counts it (then a mark below base_math_low_below_mark is low). Medalists of a degree the
    seed leaves out are kept with is_counted = false. A derived methodology, not an official
    one. -#}
with

medalists as (
    select * from {{ ref('stg_medalists__medalists') }}
),

identifiers as (
    select * from {{ ref('int_school_identifiers') }}
    where id_type = 'rcoi_code'
),

parameters as (
    select * from {{ ref('medalist_parameters') }}
),

exams as (
    select * from {{ ref('fct_exam_result') }}
    where assessment_code = 'ege' and is_result
),

resolved as (
    select
        m.academic_year,
        m.graduation_year,
        m.region_code,
        m.school_code_src,
        m.medal_degree,
        i.school_id,
        {{ surrogate_key(['m.person_key', 'i.school_id']) }} as participant_key,
        m.source_file,
        m.source_sheet,
        m.source_row
    from medalists as m
    inner join identifiers as i
        on m.region_code = i.region_code and m.school_code_src = i.id_value
),

with_parameters as (
    select
        r.*,
        p.low_score_threshold,
        p.count_base_math,
        p.base_math_low_below_mark,
        case r.medal_degree
            when 1 then p.degree_1_included
            when 2 then p.degree_2_included
        end as is_counted
    from resolved as r
    inner join parameters as p
        on {{ parameters_in_force('p', 'r.academic_year') }}
),

measured as (
    select
        m.participant_key,
        m.academic_year,
        count(e.test_score) as ege_subjects_taken,
        count(*) filter (where e.subject_code = 'math_base') as base_math_taken,
        min(e.test_score) as min_test_score,
        count(*) filter (where e.test_score < m.low_score_threshold) as low_score_subjects,
        count(*) filter (
            where m.count_base_math and e.subject_code = 'math_base'
            and e.mark < m.base_math_low_below_mark
        ) as low_base_math
    from with_parameters as m
    left join exams as e
        on m.participant_key = e.participant_key and m.academic_year = e.academic_year
    group by m.participant_key, m.academic_year
)

select
    {{ surrogate_key(['w.participant_key', 'w.academic_year']) }} as medalist_year_id,
    w.participant_key,
    w.school_id,
    {{ surrogate_key(['w.school_id', 'w.academic_year']) }} as school_year_key,
    w.academic_year,
    w.graduation_year,
    w.medal_degree,
    w.is_counted,
    w.low_score_threshold,
    x.ege_subjects_taken,
    x.base_math_taken,
    x.min_test_score,
    x.low_score_subjects + x.low_base_math as low_score_subjects,
    x.ege_subjects_taken + x.base_math_taken > 0 as has_ege_results,
    x.low_score_subjects + x.low_base_math > 0 as has_score_below_threshold,
    w.source_file,
    w.source_sheet,
    w.source_row
from with_parameters as w
inner join measured as x
    on w.participant_key = x.participant_key and w.academic_year = x.academic_year
