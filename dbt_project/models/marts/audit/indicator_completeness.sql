{#- One row per municipality × programme × academic year × catalogue indicator that is expected
    in the programme's annual form (indicator_programmes seed: every municipality of the registry,
    or only those that ever reported the programme). status = arrived (a fact, or an explicit
    "Нет данных" / "-") | not_due (the form's due date has not passed: provisional) | missing
    (no form, the indicator's row is absent, or its fact cell is empty: blocks publishing). -#}
with

programmes as (
    select * from {{ ref('indicator_programmes') }}
),

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

municipality_years as (
    select distinct
        {{ surrogate_key(['region_code', 'municipality_name']) }} as municipality_id,
        municipality_name,
        academic_year
    from {{ ref('int_school_years') }}
),

reported as (
    select * from {{ ref('fct_indicator_value') }}
    where value_source = 'reported'
),

reporting_entities as (
    select distinct
        municipality_id,
        programme_code
    from reported
),

expected as (
    select
        my.municipality_id,
        my.municipality_name,
        my.academic_year,
        p.programme_code,
        p.expected_period_type,
        c.indicator_code,
        c.indicator_name
    from municipality_years as my
    cross join programmes as p
    inner join catalogue as c on p.programme_code = c.programme_code
    where
        p.entity_scope = 'all_municipalities'
        or exists (
            select 1 from reporting_entities as r
            where r.municipality_id = my.municipality_id and r.programme_code = p.programme_code
        )
),

forms as (
    select distinct
        municipality_id,
        programme_code,
        academic_year,
        period_type
    from reported
),

due as (
    select * from {{ ref('source_due_dates') }}
    where procedure_code = 'indicators'
),

final as (
    select
        {{ surrogate_key(['e.municipality_id', 'e.programme_code', 'e.academic_year', 'e.indicator_code']) }}
            as indicator_completeness_id,
        e.municipality_id,
        e.municipality_name,
        e.academic_year,
        e.programme_code,
        e.indicator_code,
        e.indicator_name,
        v.fact_state,
        v.source_file,
        d.due_date,
        case
            when v.fact_state is not null and v.fact_state <> 'empty' then 'arrived'
            when d.due_date is null or {{ as_of_date() }} <= d.due_date then 'not_due'
            else 'missing'
        end as completeness_status,
        case
            when v.fact_state = 'empty' then 'the fact cell is empty: write the value or «Нет данных»'
            when v.fact_state is not null then null
            when f.municipality_id is null then 'no annual form of this programme arrived'
            else 'the indicator is not in the form'
        end as missing_reason
    from expected as e
    left join reported as v
        on
            e.municipality_id = v.municipality_id
            and e.programme_code = v.programme_code
            and e.academic_year = v.academic_year
            and e.indicator_code = v.indicator_code
            and e.expected_period_type = v.period_type
    left join forms as f
        on
            e.municipality_id = f.municipality_id
            and e.programme_code = f.programme_code
            and e.academic_year = f.academic_year
            and e.expected_period_type = f.period_type
    left join due as d on e.academic_year = d.academic_year
)

select * from final
