{#- ВПР per-school results with the school resolved by its ФИС ОКО login and the subject by the
    subject_aliases seed. Mark counts given as percentages (with the number of participants)
    become counts: round(pct × N / 100); C5 checks that they were integral. One row per
    school login × work grade × subject × academic year × result_source: 'fisoko_aggregate'
    (ФИС ОКО report) or 'pupil_level' (schools' collection forms, aggregated). Where both
    exist for a school × year × grade × subject, the pupil-level row is used and the ФИС ОКО
    row is kept with is_superseded = true for the cross-check (audit.vpr_source_crosscheck). -#}
with

results as (
    select * from {{ ref('stg_vpr_fisoko__school_results') }}
),

pupil_level as (
    select * from {{ ref('int_vpr_pupil_aggregates') }}
),

identifiers as (
    select * from {{ ref('int_school_identifiers') }}
    where id_type = 'fisoko_login'
),

aliases as (
    select * from {{ ref('subject_aliases') }}
),

resolved as (
    select
        r.*,
        i.school_id,
        a.subject_code,
        coalesce(r.mark2_count, cast(round(r.mark2_pct_reported * r.participants_count / 100.0) as integer))
            as resolved_mark2_count,
        coalesce(r.mark3_count, cast(round(r.mark3_pct_reported * r.participants_count / 100.0) as integer))
            as resolved_mark3_count,
        coalesce(r.mark4_count, cast(round(r.mark4_pct_reported * r.participants_count / 100.0) as integer))
            as resolved_mark4_count,
        coalesce(r.mark5_count, cast(round(r.mark5_pct_reported * r.participants_count / 100.0) as integer))
            as resolved_mark5_count,
        r.mark2_count is null and r.mark2_pct_reported is not null as are_counts_from_percent,
        'fisoko_aggregate' as result_source
    from results as r
    left join identifiers as i
        on r.region_code = i.region_code and r.school_login = i.id_value
    left join aliases as a
        on r.subject_key = a.alias_key
),

pupil_resolved as (
    select
        p.academic_year,
        p.region_code,
        p.school_login,
        cast(null as varchar) as school_name_reported,
        p.work_grade,
        p.subject_name_reported,
        p.subject_key,
        p.participants_count,
        p.mark2_count,
        p.mark3_count,
        p.mark4_count,
        p.mark5_count,
        cast(null as double) as mark2_pct_reported,
        cast(null as double) as mark3_pct_reported,
        cast(null as double) as mark4_pct_reported,
        cast(null as double) as mark5_pct_reported,
        case when p.journal_known_count > 0 then p.journal_lowered_count end as journal_lowered_count,
        case when p.journal_known_count > 0 then p.journal_confirmed_count end as journal_confirmed_count,
        case when p.journal_known_count > 0 then p.journal_raised_count end as journal_raised_count,
        case when p.journal_known_count = 0 then 'empty' end as journal_missing_kind,
        p.vpr_campaign,
        p.is_autumn_campaign,
        p.source_file,
        p.source_sheet,
        p.source_row,
        p.file_sha256,
        i.school_id,
        a.subject_code,
        p.mark2_count as resolved_mark2_count,
        p.mark3_count as resolved_mark3_count,
        p.mark4_count as resolved_mark4_count,
        p.mark5_count as resolved_mark5_count,
        false as are_counts_from_percent,
        'pupil_level' as result_source
    from pupil_level as p
    left join identifiers as i
        on p.region_code = i.region_code and p.school_login = i.id_value
    left join aliases as a
        on p.subject_key = a.alias_key
),

both_sources as (
    select
        academic_year,
        region_code,
        school_login,
        school_name_reported,
        work_grade,
        subject_name_reported,
        subject_key,
        participants_count,
        mark2_count,
        mark3_count,
        mark4_count,
        mark5_count,
        mark2_pct_reported,
        mark3_pct_reported,
        mark4_pct_reported,
        mark5_pct_reported,
        journal_lowered_count,
        journal_confirmed_count,
        journal_raised_count,
        journal_missing_kind,
        vpr_campaign,
        is_autumn_campaign,
        source_file,
        source_sheet,
        source_row,
        file_sha256,
        school_id,
        subject_code,
        resolved_mark2_count,
        resolved_mark3_count,
        resolved_mark4_count,
        resolved_mark5_count,
        are_counts_from_percent,
        result_source
    from resolved
    union all
    select
        academic_year,
        region_code,
        school_login,
        school_name_reported,
        work_grade,
        subject_name_reported,
        subject_key,
        participants_count,
        mark2_count,
        mark3_count,
        mark4_count,
        mark5_count,
        mark2_pct_reported,
        mark3_pct_reported,
        mark4_pct_reported,
        mark5_pct_reported,
        journal_lowered_count,
        journal_confirmed_count,
        journal_raised_count,
        journal_missing_kind,
        vpr_campaign,
        is_autumn_campaign,
        source_file,
        source_sheet,
        source_row,
        file_sha256,
        school_id,
        subject_code,
        resolved_mark2_count,
        resolved_mark3_count,
        resolved_mark4_count,
        resolved_mark5_count,
        are_counts_from_percent,
        result_source
    from pupil_resolved
)

select
    b.*,
    b.result_source = 'fisoko_aggregate' and exists (
        select 1 from pupil_resolved as p
        where
            p.school_id = b.school_id
            and p.academic_year = b.academic_year
            and p.work_grade = b.work_grade
            and p.subject_code = b.subject_code
    ) as is_superseded
from both_sources as b
