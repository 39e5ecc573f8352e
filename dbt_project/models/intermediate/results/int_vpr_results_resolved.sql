{#- ВПР per-school results with the school resolved by its ФИС ОКО login and the subject by the
    subject_aliases seed. Mark counts given as percentages (with the number of participants)
    become counts: round(pct × N / 100); C5 checks that they were integral. One row per
    school login × work grade × subject × academic year. -#}
with

results as (
    select * from {{ ref('stg_vpr_fisoko__school_results') }}
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
            as marks2_count,
        coalesce(r.mark3_count, cast(round(r.mark3_pct_reported * r.participants_count / 100.0) as integer))
            as marks3_count,
        coalesce(r.mark4_count, cast(round(r.mark4_pct_reported * r.participants_count / 100.0) as integer))
            as marks4_count,
        coalesce(r.mark5_count, cast(round(r.mark5_pct_reported * r.participants_count / 100.0) as integer))
            as marks5_count,
        r.mark2_count is null and r.mark2_pct_reported is not null as are_counts_from_percent
    from results as r
    left join identifiers as i
        on r.region_code = i.region_code and r.school_login = i.id_value
    left join aliases as a
        on r.subject_key = a.alias_key
)

select * from resolved
