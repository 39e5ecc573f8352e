{{ config(materialized='table') }}{#- several models and tests read it: computed once -#}
{#- Olympiad participants with the school resolved (int_school_name_resolution: code, alias or
    name within the municipality, with the registry of the year), the subject resolved (the
    subject_aliases seed, dative forms "по математике" included) and the pupil key made
    school-specific. Unresolved rows keep NULL keys and are reported by int_unresolved_rows.
    One row per protocol row. -#}
with

results as (
    select * from {{ ref('stg_olympiad__results') }}
),

resolution as (
    select * from {{ ref('int_school_name_resolution') }}
),

aliases as (
    select * from {{ ref('subject_aliases') }}
),

resolved as (
    select
        r.*,
        n.school_id,
        n.method as school_resolution_method,
        n.resolution_status as school_resolution_status,
        n.reason as school_resolution_reason,
        a.subject_code,
        case
            when n.school_id is not null then {{ surrogate_key(['r.person_key', 'n.school_id']) }}
        end as participant_key
    from results as r
    left join resolution as n
        on
            r.region_code = n.region_code
            and r.academic_year = n.academic_year
            and r.school_name_reported = n.school_name_reported
            and r.municipality_name_reported is not distinct from n.municipality_name_reported
            and r.school_code_reported is not distinct from n.school_code_reported
    left join aliases as a
        on r.subject_key = a.alias_key
)

select * from resolved
