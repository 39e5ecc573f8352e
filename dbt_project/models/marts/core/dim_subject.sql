{#- One row per subject of the warehouse, with its FCT codes per exam kind. -#}
with

subjects as (
    select * from {{ ref('subjects') }}
),

codes as (
    select
        subject_code,
        string_agg(assessment_code || ':' || fct_code, ', ' order by assessment_code, fct_code) as fct_codes
    from {{ ref('subject_fct_codes') }}
    group by subject_code
),

final as (
    select
        s.subject_code,
        s.subject_name,
        s.subject_group,
        s.is_core,
        s.sort_order,
        c.fct_codes
    from subjects as s
    left join codes as c on s.subject_code = c.subject_code
)

select * from final
