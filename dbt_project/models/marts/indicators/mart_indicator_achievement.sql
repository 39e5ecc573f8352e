{#- One row per entity × programme × period: how many indicators of the form were achieved.
    pct_achieved_strict = achieved / all indicators in the form (no-data included);
    pct_achieved_evaluable = achieved / indicators with a status achieved, partially_achieved or
    not_achieved (DOMAIN §5.1; a qualitative «выполнен не в полном объеме» is evaluable and not
    achieved). A fact whose wording no rule reads (needs_review) is counted apart, in neither. The form's own summary ("Из 16 показателей … достигли 12, что составляет 75%")
    stands beside the recomputed figures; summary_differs flags a disagreement. -#}
with

values_reported as (
    select * from {{ ref('fct_indicator_value') }}
    where value_source = 'reported'
),

catalogue_sizes as (
    select
        programme_code,
        count(*) as indicators_in_catalogue
    from {{ ref('indicator_catalogue') }}
    group by programme_code
),

counted as (
    select
        entity_type,
        entity_id,
        municipality_name,
        academic_year,
        programme_code,
        period_type,
        period_start,
        period_end,
        count(*) as indicators_in_form,
        count(*) filter (where status in ('achieved', 'partially_achieved', 'not_achieved')) as indicators_evaluable,
        count(*) filter (where status = 'achieved') as indicators_achieved,
        count(*) filter (where status = 'not_achieved') as indicators_not_achieved,
        count(*) filter (where status = 'partially_achieved') as indicators_partially_achieved,
        count(*) filter (where status = 'needs_review') as indicators_needs_review,
        count(*) filter (where status = 'no_data') as indicators_no_data,
        count(*) filter (where status = 'not_applicable') as indicators_not_applicable,
        count(*) filter (where status = 'unknown_direction') as indicators_unknown_direction,
        max(reported_total) as reported_indicators_total,
        max(reported_achieved) as reported_indicators_achieved,
        max(reported_pct) as reported_pct_achieved
    from (
        select
            v.*,
            s.reported_indicators_total as reported_total,
            s.reported_indicators_achieved as reported_achieved,
            s.reported_pct_achieved as reported_pct
        from values_reported as v
        left join {{ ref('stg_indicators__indicator_values') }} as s
            on v.source_file = s.source_file and v.source_sheet = s.source_sheet and v.source_row = s.source_row
    ) as with_summary
    group by entity_type, entity_id, municipality_name, academic_year, programme_code, period_type, period_start, period_end
),

final as (
    select
        {{ surrogate_key(['c.entity_id', 'c.programme_code', 'c.period_type', 'c.period_start']) }} as achievement_id,
        c.*,
        k.indicators_in_catalogue,
        {{ pct('c.indicators_achieved', 'c.indicators_in_form', 1) }} as pct_achieved_strict,
        {{ pct('c.indicators_achieved', 'c.indicators_evaluable', 1) }} as pct_achieved_evaluable,
        c.reported_indicators_total is not null
        and (
            c.reported_indicators_total <> c.indicators_in_form
            or c.reported_indicators_achieved <> c.indicators_achieved
        ) as summary_differs
    from counted as c
    left join catalogue_sizes as k on c.programme_code = k.programme_code
)

select * from final
