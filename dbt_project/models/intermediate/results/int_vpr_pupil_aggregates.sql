{#- ВПР pupil-level collection forms aggregated to the grain of the ФИС ОКО report: one row per
    school login × work grade × subject × academic year. Participants = pupils who wrote the
    work and have a mark (absentees counted apart); the journal comparison counts pupils with
    both marks: lowered (mark < journal mark), confirmed (=), raised (>). -#}
with

pupils as (
    select * from {{ ref('stg_vpr_forms__pupil_results') }}
)

select
    academic_year,
    region_code,
    school_login,
    work_grade,
    subject_key,
    min(subject_name_reported) as subject_name_reported,
    min(vpr_campaign) as vpr_campaign,
    max(case when is_autumn_campaign then 1 else 0 end) = 1 as is_autumn_campaign,
    count(*) filter (where not is_absent and mark is not null) as participants_count,
    count(*) filter (where mark = 2) as mark2_count,
    count(*) filter (where mark = 3) as mark3_count,
    count(*) filter (where mark = 4) as mark4_count,
    count(*) filter (where mark = 5) as mark5_count,
    count(*) filter (where mark < journal_mark) as journal_lowered_count,
    count(*) filter (where mark = journal_mark) as journal_confirmed_count,
    count(*) filter (where mark > journal_mark) as journal_raised_count,
    count(*) filter (where mark is not null and journal_mark is not null) as journal_known_count,
    count(*) filter (where is_absent) as absent_count,
    min(source_file) as source_file,
    min(source_sheet) as source_sheet,
    min(source_row) as source_row,
    min(file_sha256) as file_sha256
from pupils
group by academic_year, region_code, school_login, work_grade, subject_key
