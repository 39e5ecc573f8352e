{#- One row per entity × period × programme × indicator × value source. value_source is
    'reported' (a plan/fact form) or 'computed' (by the warehouse: П20 from
    mart_management_mechanisms, int_indicator_values_computed). Direction: the form's own ("↑", "не менее") first, then the plan's target
    wording, then the catalogue; never guessed. Status: achieved / partially_achieved /
    not_achieved / no_data / not_applicable / unknown_direction / needs_review (DOMAIN §5.1:
    equality is achieved, no tolerance). A qualitative fact is decided by the first rule of the
    qualitative_fact_rules seed that matches it (done / partly_done / not_done / cannot_tell);
    wording no rule covers is needs_review, never counted as achieved or not. The indicator's
    name is kept as the form wrote it; is_indicator_name_mismatch flags a written name that
    does not read as the catalogue's name for that number (indicator_review_parameters). -#}
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

review_parameters as (
    select * from {{ ref('indicator_review_parameters') }}
),

-- the words of the catalogue's name and of the name the form wrote, without case endings
name_words as (
    select
        source_file,
        source_sheet,
        source_row,
        side,
        {{ word_stem('word') }} as stem
    from (
        select
            source_file,
            source_sheet,
            source_row,
            'catalogue' as side,
            {{ split_words(words_text('indicator_name')) }} as word
        from resolved
        where value_source = 'reported' and indicator_name is not null and indicator_name_reported is not null
        union all
        select
            source_file,
            source_sheet,
            source_row,
            'reported' as side,
            {{ split_words(words_text('indicator_name_reported')) }} as word
        from resolved
        where value_source = 'reported' and indicator_name is not null and indicator_name_reported is not null
    ) as w
    where length(word) >= 3
),

catalogue_words as (
    select distinct * from name_words
    where side = 'catalogue'
),

reported_words as (
    select distinct * from name_words
    where side = 'reported'
),

name_overlap as (
    select
        c.source_file,
        c.source_sheet,
        c.source_row,
        count(distinct c.stem) as catalogue_words,
        count(distinct r.stem) as shared_words
    from catalogue_words as c
    left join reported_words as r
        on
            c.source_file = r.source_file
            and c.source_sheet = r.source_sheet
            and c.source_row = r.source_row
            and c.stem = r.stem
    group by c.source_file, c.source_sheet, c.source_row
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
        r.outcome,
        r.rule_order,
        row_number() over (
            partition by t.source_file, t.source_sheet, t.source_row order by r.rule_order
        ) as match_rank
    from typed as t
    inner join rules as r on {{ regex_matches("replace(lower(t.fact_text), 'ё', 'е')", 'r.pattern') }}
    where t.fact_text is not null
),

evaluated as (
    select
        t.*,
        q.outcome as qualitative_outcome,
        q.rule_order as qualitative_rule_order,
        case
            when q.outcome = 'done' then true
            when q.outcome in ('partly_done', 'not_done') then false
        end as qualitative_is_done,
        case
            when t.value_source <> 'reported' or t.indicator_name is null or t.indicator_name_reported is null
                then null
            else coalesce(100.0 * o.shared_words / nullif(o.catalogue_words, 0), 0) < rp.min_name_overlap_pct
        end as is_indicator_name_mismatch,
        case
            when t.fact_state in ('no_data', 'empty') then 'no_data'
            when t.fact_state = 'not_applicable' then 'not_applicable'
            when t.fact_state = 'text' and q.outcome = 'done' then 'achieved'
            when t.fact_state = 'text' and q.outcome = 'partly_done' then 'partially_achieved'
            when t.fact_state = 'text' and q.outcome = 'not_done' then 'not_achieved'
            when t.fact_state = 'text' and q.outcome = 'cannot_tell' then 'no_data'
            when t.fact_state = 'text' then 'needs_review'
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
    left join name_overlap as o
        on
            t.source_file = o.source_file
            and t.source_sheet = o.source_sheet
            and t.source_row = o.source_row
    left join review_parameters as rp
        on {{ parameters_in_force('rp', 't.academic_year', 'review_parameters') }}
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
        -- the name as the form wrote it, never replaced by the catalogue's
        coalesce(indicator_name_reported, indicator_name) as indicator_name,
        indicator_name as catalogue_indicator_name,
        is_indicator_name_mismatch,
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
        qualitative_outcome,
        qualitative_rule_order,
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
