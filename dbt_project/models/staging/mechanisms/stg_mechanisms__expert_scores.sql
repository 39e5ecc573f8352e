{#- One row per entity × evaluation position of a committed expert scoring sheet version. The
    direction's number ("1. Система …") and the component's text without a leading number or
    "Концептуальный блок:" prefix are kept for matching the seeds. -#}
with

source as (
    select * from {{ source('mechanisms', 'expert_scores') }} as src
    where {{ committed_versions_only('mechanisms', 'src') }}
),

renamed as (
    select
        academic_year,
        evaluation_year,
        region_code,
        entity_name as entity_name_reported,
        direction_name as direction_name_reported,
        cast(nullif(regexp_extract(direction_name, '^\s*(\d)\s*[.)]', 1), '') as integer) as direction_number_reported,
        component_name as component_name_reported,
        lower(trim(regexp_replace(component_name, '^.*:\s*|^\s*\d+\s*[.)]\s*', '', 'g'))) as component_key,
        position_text,
        points,
        max_points,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
