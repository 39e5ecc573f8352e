{#- Indicator values the warehouse computes itself, in the shape of the form rows of
    int_indicator_values_resolved, with value_source = 'computed'. Today: П20 (the overall
    index of quality-management mechanisms, mart_management_mechanisms step 9) per municipality
    and evaluation year; its plan is the one the municipality's motivating-monitoring form states
    for the same year, if any. -#}
with

mechanisms as (
    select * from {{ ref('mart_management_mechanisms') }}
    where level = 'total'
),

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
    where programme_code = 'motivating_monitoring' and indicator_code = 'П20'
),

reported_plans as (
    select
        municipality_id,
        period_start,
        plan_value,
        plan_text,
        plan_comparator
    from {{ ref('int_indicator_values_resolved') }}
    where
        programme_code = 'motivating_monitoring'
        and indicator_code = 'П20'
        and period_type = 'calendar_year'
),

final as (
    select
        m.municipality_id,
        m.municipality_name,
        m.region_code,
        m.academic_year,
        'calendar_year' as period_type,
        cast(cast(m.evaluation_year as varchar) || '-01-01' as date) as period_start,
        cast(cast(m.evaluation_year as varchar) || '-12-31' as date) as period_end,
        c.programme_code,
        c.indicator_code,
        c.indicator_name,
        c.indicator_name as indicator_name_reported,
        c.unit,
        c.unit as unit_reported,
        true as is_in_catalogue,
        p.plan_value,
        p.plan_text,
        p.plan_comparator,
        m.index_pct as fact_value,
        cast(null as varchar) as fact_text,
        cast(null as varchar) as fact_missing_kind,
        'mart_management_mechanisms: ' || cast(m.points as varchar) || ' of ' || cast(m.max_points as varchar) || ' points' as evidence_text,
        cast(null as varchar) as direction_text,
        c.direction as catalogue_direction,
        'computed' as value_source,
        'mart_management_mechanisms' as source_file,
        cast(null as varchar) as source_sheet,
        cast(null as integer) as source_row,
        cast(null as varchar) as file_sha256
    from mechanisms as m
    cross join catalogue as c
    left join reported_plans as p
        on
            m.municipality_id = p.municipality_id
            and cast(cast(m.evaluation_year as varchar) || '-01-01' as date) = p.period_start
)

select * from final
