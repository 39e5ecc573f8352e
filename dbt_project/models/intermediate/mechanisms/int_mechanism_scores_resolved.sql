{#- Expert points placed: the municipality (registry names in any case), the direction
    (mechanism_directions seed: by its number, else by its name pattern) and the component of
    the management cycle (mechanism_components seed, by name pattern). One row per scored
    position; rows that cannot be placed keep null keys and go to the warehouse quarantine. -#}
with

scores as (
    select * from {{ ref('stg_mechanisms__expert_scores') }}
),

directions as (
    select * from {{ ref('mechanism_directions') }}
),

components as (
    select * from {{ ref('mechanism_components') }}
),

municipalities as (
    select * from {{ ref('int_municipality_name_keys') }}
),

final as (
    select
        s.*,
        m.municipality_id,
        m.municipality_name,
        m.region_code as municipality_region_code,
        d.direction_code,
        d.direction_number,
        d.block_code,
        c.component_code,
        c.component_number,
        c.cycle_part_code
    from scores as s
    left join municipalities as m
        on
            s.region_code = m.region_code
            and {{ municipality_name_key('s.entity_name_reported') }} = m.municipality_key
    left join directions as d
        on
            s.direction_number_reported = d.direction_number
            or (
                s.direction_number_reported is null
                and {{ regex_matches('lower(s.direction_name_reported)', 'd.name_pattern') }}
            )
    left join components as c
        on {{ regex_matches('s.component_key', 'c.name_pattern') }}
)

select * from final
