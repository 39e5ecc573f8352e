{#- One row per indicator row of a committed plan/fact form version. The indicator number is
    normalised ("П22." → "П22", "13" → "13"); everything else is as the form wrote it. -#}
with

source as (
    select * from {{ source('indicators', 'indicator_values') }} as src
    where {{ committed_versions_only('indicators', 'src') }}
),

renamed as (
    select
        academic_year,
        region_code,
        territory_name as territory_name_reported,
        programme_title,
        period_type,
        period_start,
        period_end,
        upper(replace(replace(replace(indicator_number, '.', ''), ' ', ''), 'P', 'П')) as indicator_code,
        indicator_name as indicator_name_reported,
        unit as unit_reported,
        direction_text,
        plan as plan_value,
        plan_text,
        plan_comparator,
        plan_missing as plan_missing_kind,
        fact as fact_value,
        fact_text,
        fact_missing as fact_missing_kind,
        note as evidence_text,
        reported_total as reported_indicators_total,
        reported_achieved as reported_indicators_achieved,
        reported_pct as reported_pct_achieved,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
