{#- C14 (DOMAIN §9, warn): the ГИА of academic year Y is sat from January to September of Y + 1
    (the September additional wave belongs to the year before). A date outside says the file
    was filed under the wrong year. -#}
{{ config(severity='warn') }}

select
    assessment_code,
    subject_code,
    academic_year,
    exam_date,
    count(*) as results_count
from {{ ref('fct_exam_result') }}
where
    exam_date is not null
    and (
        extract(year from exam_date) <> academic_year + 1
        or extract(month from exam_date) > 9
    )
group by assessment_code, subject_code, academic_year, exam_date
