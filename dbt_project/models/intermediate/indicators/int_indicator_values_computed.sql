{#- Indicator values the warehouse computes itself, in the shape of the form rows of
    int_indicator_values_resolved, with value_source = 'computed'. Today: П20 (the overall
    index of quality-management mechanisms, mart_management_mechanisms step 9) per municipality
    and evaluation year; its plan is the one the municipality's motivating-monitoring form states
    for the same year, if any. П8 (share of teachers under 35, %) per municipality and academic
    year from the school monitoring forms (fct_school_profile, staffing on 1 September: schools
    that gave both counts); its plan is that of the form whose period contains 1 September of
    the year (the shortest such period). -#}
with

mechanisms as (
    select * from {{ ref('mart_management_mechanisms') }}
    where level = 'total'
),

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
    where programme_code = 'motivating_monitoring' and indicator_code = 'П20'
),

staffing as (
    select
        municipality_id,
        max(municipality_name) as municipality_name,
        max(region_code) as region_code,
        academic_year,
        sum(teachers_under_35) as teachers_under_35,
        sum(teachers_total) as teachers_total,
        count(*) as schools_count
    from {{ ref('fct_school_profile') }}
    where teachers_total > 0 and teachers_under_35 is not null
    group by municipality_id, academic_year
),

p8_catalogue as (
    select * from {{ ref('indicator_catalogue') }}
    where programme_code = 'motivating_monitoring' and indicator_code = 'П8'
),

p8_plans as (
    select
        s.municipality_id,
        s.academic_year,
        r.plan_value,
        r.plan_text,
        r.plan_comparator,
        row_number() over (
            partition by s.municipality_id, s.academic_year
            order by r.period_end asc, r.period_start desc
        ) as plan_rank
    from staffing as s
    inner join {{ ref('int_indicator_values_resolved') }} as r
        on
            s.municipality_id = r.municipality_id
            and r.programme_code = 'motivating_monitoring'
            and r.indicator_code = 'П8'
            and r.period_start <= cast(cast(s.academic_year as varchar) || '-09-01' as date)
            and r.period_end >= cast(cast(s.academic_year as varchar) || '-09-01' as date)
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
),

p8 as (
    select
        s.municipality_id,
        s.municipality_name,
        s.region_code,
        s.academic_year,
        'academic_year' as period_type,
        cast(cast(s.academic_year as varchar) || '-09-01' as date) as period_start,
        cast(cast(s.academic_year + 1 as varchar) || '-08-31' as date) as period_end,
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
        {{ pct('s.teachers_under_35', 's.teachers_total', 1) }} as fact_value,
        cast(null as varchar) as fact_text,
        cast(null as varchar) as fact_missing_kind,
        'fct_school_profile: ' || cast(s.teachers_under_35 as varchar) || ' of ' || cast(s.teachers_total as varchar)
        || ' teachers under 35 on 1 September (' || cast(s.schools_count as varchar) || ' schools)' as evidence_text,
        cast(null as varchar) as direction_text,
        c.direction as catalogue_direction,
        'computed' as value_source,
        'fct_school_profile' as source_file,
        cast(null as varchar) as source_sheet,
        cast(null as integer) as source_row,
        cast(null as varchar) as file_sha256
    from staffing as s
    cross join p8_catalogue as c
    left join p8_plans as p
        on s.municipality_id = p.municipality_id and s.academic_year = p.academic_year and p.plan_rank = 1
)

select * from final
union all
select * from p8
