{#- One row per plan/fact form row a person has to look at: a qualitative fact whose wording no
    rule of the qualitative_fact_rules seed reads (status needs_review: neither achieved nor not
    achieved), or a written indicator name that does not read as the catalogue's name for that
    number (the form may number another programme's indicators; the name is kept as written). -#}
with

values_reported as (
    select * from {{ ref('fct_indicator_value') }}
    where value_source = 'reported'
),

unread as (
    select
        'unread_qualitative_fact' as review_reason,
        *,
        'no rule of the qualitative_fact_rules seed reads «' || fact_text
        || '»: neither achieved nor not achieved until a person decides (or a rule is added)' as detail
    from values_reported
    where status = 'needs_review'
),

renamed as (
    select
        'name_differs_from_catalogue' as review_reason,
        *,
        'the form names indicator ' || indicator_code || ' «' || indicator_name
        || '»; the catalogue of ' || programme_code || ' names it «' || catalogue_indicator_name
        || '»: is this the programme the title names?' as detail
    from values_reported
    where is_indicator_name_mismatch
),

unioned as (
    select * from unread
    union all
    select * from renamed
)

select
    {{ surrogate_key(['review_reason', 'indicator_value_id']) }} as review_id,
    review_reason,
    municipality_id,
    municipality_name,
    academic_year,
    programme_code,
    period_type,
    period_start,
    indicator_code,
    indicator_name,
    catalogue_indicator_name,
    fact_text,
    status,
    detail,
    source_file,
    source_sheet,
    source_row
from unioned
