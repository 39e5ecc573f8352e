{#- One row per school × registry snapshot, with the warehouse's cross-year school key.
    school_id = "<region>-<РЦОИ Код ОО>": a Код ОО is unique only within its region. -#}
with

snapshots as (
    select * from {{ ref('stg_registry__schools') }}
),

keyed as (
    select
        region_code || '-' || school_code_src as school_id,
        case
            when parent_school_code_src is not null
                then region_code || '-' || parent_school_code_src
        end as parent_school_id,
        *
    from snapshots
)

select * from keyed
