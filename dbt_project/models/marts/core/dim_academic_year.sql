{#- One row per academic year present in the data (start year 2022 = 2022/2023), with the ВПР
    campaign that tested its programme and the structural breaks of its time series. -#}
with

years as (
    select distinct academic_year from {{ ref('int_school_years') }}
),

notes as (
    select * from {{ ref('academic_years') }}
),

final as (
    select
        y.academic_year,
        cast(y.academic_year as varchar) || '/' || cast(y.academic_year + 1 as varchar) as academic_year_label,
        cast(cast(y.academic_year as varchar) || '-09-01' as date) as start_date,
        cast(cast(y.academic_year + 1 as varchar) || '-08-31' as date) as end_date,
        n.vpr_campaign,
        coalesce(n.is_vpr_autumn, false) as is_vpr_autumn,
        coalesce(n.is_gia_structural_break, false) as is_gia_structural_break,
        n.note
    from years as y
    left join notes as n on y.academic_year = n.academic_year
)

select * from final
