{#- One row per school × academic year × work grade × subject for which both the schools'
    pupil-level collection forms and the ФИС ОКО report arrived: the figures of each, and
    whether they differ. The pupil-level figures are the ones in fct_assessment_result; a
    difference is a warning for a person to look at (a form not complete, a wrong mark, a
    report of another wave). -#}
with

vpr as (
    select * from {{ ref('int_vpr_results_resolved') }}
    where school_id is not null and subject_code is not null
),

pupil as (
    select * from vpr
    where result_source = 'pupil_level'
),

fisoko as (
    select * from vpr
    where result_source = 'fisoko_aggregate'
)

select
    {{ surrogate_key(['p.school_id', 'p.academic_year', 'p.work_grade', 'p.subject_code']) }}
        as crosscheck_id,
    p.school_id,
    p.academic_year,
    p.work_grade as grade,
    p.subject_code,
    p.participants_count as pupil_participants_count,
    f.participants_count as fisoko_participants_count,
    p.resolved_mark2_count as pupil_mark2_count,
    f.resolved_mark2_count as fisoko_mark2_count,
    p.resolved_mark3_count as pupil_mark3_count,
    f.resolved_mark3_count as fisoko_mark3_count,
    p.resolved_mark4_count as pupil_mark4_count,
    f.resolved_mark4_count as fisoko_mark4_count,
    p.resolved_mark5_count as pupil_mark5_count,
    f.resolved_mark5_count as fisoko_mark5_count,
    p.journal_confirmed_count as pupil_journal_confirmed_count,
    f.journal_confirmed_count as fisoko_journal_confirmed_count,
    (
        p.participants_count <> f.participants_count
        or p.resolved_mark2_count <> f.resolved_mark2_count
        or p.resolved_mark3_count <> f.resolved_mark3_count
        or p.resolved_mark4_count <> f.resolved_mark4_count
        or p.resolved_mark5_count <> f.resolved_mark5_count
    ) as is_mismatch,
    p.source_file as pupil_source_file,
    f.source_file as fisoko_source_file,
    f.source_row as fisoko_source_row
from pupil as p
inner join fisoko as f
    on
        p.school_id = f.school_id
        and p.academic_year = f.academic_year
        and p.work_grade = f.work_grade
        and p.subject_code = f.subject_code
