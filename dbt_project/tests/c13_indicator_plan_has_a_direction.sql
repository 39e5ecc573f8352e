{#- C13 (DOMAIN §9, warn): every reported plan/fact indicator with a plan value has a direction
    (from the form or the catalogue); without one its status is unknown_direction, never
    guessed. -#}
{{ config(severity='warn') }}

select
    entity_id,
    programme_code,
    period_type,
    period_start,
    indicator_code,
    source_file,
    source_row
from {{ ref('fct_indicator_value') }}
where value_source = 'reported' and plan_value is not null and direction is null
