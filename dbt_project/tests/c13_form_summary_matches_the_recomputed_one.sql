{#- C13 (DOMAIN §9, warn): a form's own summary line («из 16 показателей достигли 12…») agrees
    with the statuses the warehouse recomputes from the form's table. -#}
{{ config(severity='warn') }}

select
    entity_id,
    programme_code,
    period_type,
    period_start,
    reported_indicators_total,
    reported_indicators_achieved,
    indicators_in_form,
    indicators_achieved
from {{ ref('mart_indicator_achievement') }}
where summary_differs
