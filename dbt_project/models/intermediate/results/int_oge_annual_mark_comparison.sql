{#- Evidence for marker M6 (DOMAIN §2.2, §4.3): the ОГЭ mark against the pupil's annual mark in
    the subject, where the export gives the annual mark. One row per school × subject × academic
    year: ОГЭ results, those with an annual mark, and how many ОГЭ marks are lower than / equal
    to / higher than the annual mark (counts and % of those compared), and how many are two or
    more marks below it (an ОГЭ «2» against an annual «3» is one mark: schools with many «2»
    have a high pct_lowered without any inflation; two marks is a sharper sign). A derived methodology,
    not an official one. -#}
with

results as (
    select * from {{ ref('fct_exam_result') }}
    where assessment_code = 'oge' and is_result
),

counted as (
    select
        school_id,
        academic_year,
        subject_code,
        count(*) as participants_count,
        count(*) filter (where annual_mark is not null and mark is not null) as compared_count,
        count(*) filter (where mark < annual_mark) as lowered_count,
        count(*) filter (where mark <= annual_mark - 2) as lowered_by_two_count,
        count(*) filter (where mark = annual_mark) as confirmed_count,
        count(*) filter (where mark > annual_mark) as raised_count
    from results
    group by school_id, academic_year, subject_code
)

select
    {{ surrogate_key(['school_id', 'academic_year', 'subject_code']) }} as comparison_id,
    school_id,
    {{ surrogate_key(['school_id', 'academic_year']) }} as school_year_key,
    academic_year,
    subject_code,
    participants_count,
    compared_count,
    lowered_count,
    lowered_by_two_count,
    confirmed_count,
    raised_count,
    {{ pct('lowered_count', 'compared_count') }} as pct_lowered,
    {{ pct('confirmed_count', 'compared_count') }} as pct_confirmed,
    {{ pct('raised_count', 'compared_count') }} as pct_raised,
    {{ pct('lowered_by_two_count', 'compared_count') }} as pct_lowered_by_two
from counted
where compared_count > 0
