{#- One row per entity × period × programme × indicator × value source. value_source is
    'reported' (a plan/fact form) or 'computed' (by the warehouse: П20 from
    mart_management_mechanisms, int_indicator_values_computed). Direction: the form's own ("↑", "не менее") first, then the plan's target
    wording, then the catalogue; never guessed. Status: achieved / not_achieved / no_data /
    not_applicable / unknown_direction (DOMAIN §5.1: equality is achieved, no tolerance). -#}
with

reported as (
    select
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        period_type,
        period_start,
        period_end,
        programme_code,
        indicator_code,
        indicator_name,
        indicator_name_reported,
        unit,
        unit_reported,
        is_in_catalogue,
        plan_value,
        plan_text,
        plan_comparator,
        fact_value,
        fact_text,
        fact_missing_kind,
        evidence_text,
        direction_text,
        catalogue_direction,
        'reported' as value_source,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from {{ ref('int_indicator_values_resolved') }}
    where municipality_id is not null and programme_code is not null
),

resolved as (
    select * from reported
    union all
    select * from {{ ref('int_indicator_values_computed') }}
),

rules as (
    select * from {{ ref('qualitative_fact_rules') }}
),

typed as (
    select
        *,
        case
            when fact_value is not null then 'value'
            when fact_missing_kind = 'zero' then 'value'
            when fact_text is not null then 'text'
            else fact_missing_kind
        end as fact_state,
        case when fact_missing_kind = 'zero' then 0 else fact_value end as fact_value_effective,
        case
            when {{ regex_matches('lower(direction_text)', "'(↑|повышен|рост|не менее|больше)'") }} then 'up'
            when {{ regex_matches('lower(direction_text)', "'(↓|снижен|не более|меньше)'") }} then 'down'
            when plan_comparator = '>=' then 'up'
            when plan_comparator = '<=' then 'down'
            when catalogue_direction in ('up', 'down') then catalogue_direction
        end as direction,
        case
            when direction_text is not null then 'form'
            when plan_comparator is not null then 'plan_target'
            when catalogue_direction in ('up', 'down') then 'catalogue'
        end as direction_source
    from resolved
),

qualitative_matches as (
    select
        t.source_file,
        t.source_sheet,
        t.source_row,
        r.is_done,
        row_number() over (
            partition by t.source_file, t.source_sheet, t.source_row order by r.rule_order
        ) as match_rank
    from typed as t
    inner join rules as r on {{ regex_matches('lower(t.fact_text)', 'r.pattern') }}
    where t.fact_text is not null
),

evaluated as (
    select
        t.*,
        q.is_done as qualitative_is_done,
        case
            when t.fact_state in ('no_data', 'empty') then 'no_data'
            when t.fact_state = 'not_applicable' then 'not_applicable'
            when t.fact_state = 'text' and q.is_done then 'achieved'
            when t.fact_state = 'text' and not q.is_done then 'not_achieved'
            when t.fact_state = 'text' then 'no_data'
            when t.plan_value is null then 'no_data'
            when t.direction is null then 'unknown_direction'
            when t.direction = 'up' and t.fact_value_effective >= t.plan_value then 'achieved'
            when t.direction = 'down' and t.fact_value_effective <= t.plan_value then 'achieved'
            else 'not_achieved'
        end as status
    from typed as t
    left join qualitative_matches as q
        on
            t.source_file = q.source_file
            and t.source_sheet = q.source_sheet
            and t.source_row = q.source_row
            and q.match_rank = 1
),

final as (
    select
        {{ surrogate_key(['municipality_id', 'programme_code', 'period_type', 'period_start', 'indicator_code', 'value_source']) }}
            as indicator_value_id,
        'municipality' as entity_type,
        municipality_id as entity_id,
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        period_type,
        period_start,
        period_end,
        programme_code,
        indicator_code,
        coalesce(indicator_name, indicator_name_reported) as indicator_name,
        coalesce(unit, unit_reported) as unit,
        is_in_catalogue,
        value_source,
        plan_value,
        plan_text,
        plan_comparator,
        fact_value_effective as fact_value,
        fact_text,
        fact_state,
        qualitative_is_done,
        evidence_text,
        direction,
        direction_source,
        status,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from evaluated
)

select * from final
