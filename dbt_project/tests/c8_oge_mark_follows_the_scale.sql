{#- meta.dagster.ref: the asset its check belongs to (a singular test on several models must name it, or dagster-dbt warns on every run) -#}
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_exam_result'}}}) }}
{#- DOMAIN §9 C8: an ОГЭ primary score lies within [0, the scale's maximum] of its subject and
    year, and the mark is the one the scale (seed oge_mark_scales) gives for it — or one lower
    in Russian and mathematics, where the literacy / geometry conditions can lower it. Results
    of subjects and years without a scale row are not judged. -#}
with

results as (
    select * from {{ ref('fct_exam_result') }}
    where assessment_code = 'oge' and is_result and appeal_decision is null
),

scales as (
    select * from {{ ref('oge_mark_scales') }}
),

bounds as (
    select
        academic_year,
        subject_code,
        max(max_primary_score) as max_primary_score
    from scales
    group by academic_year, subject_code
)

select
    r.exam_result_id,
    r.source_file,
    r.source_row,
    r.subject_code,
    r.primary_score,
    r.mark,
    s.mark as scale_mark,
    b.max_primary_score
from results as r
inner join bounds as b
    on r.academic_year = b.academic_year and r.subject_code = b.subject_code
left join scales as s
    on
        r.academic_year = s.academic_year
        and r.subject_code = s.subject_code
        and r.primary_score between s.min_primary_score and s.max_primary_score
where
    r.primary_score < 0
    or r.primary_score > b.max_primary_score
    or s.mark is null
    or not (
        r.mark = s.mark
        or (r.subject_code in ('rus', 'math') and r.mark = s.mark - 1 and s.mark >= 4)
        or (r.subject_code = 'math' and r.mark = 2 and s.mark = 3)
    )
