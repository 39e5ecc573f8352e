{#- One row per programme × indicator of the indicator catalogue (seed indicator_catalogue:
    П1–П55 of seed 004's motivating monitoring, the municipal projects of seeds 000 and 002). -#}
with

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

programmes as (
    select * from {{ ref('indicator_programmes') }}
),

final as (
    select
        {{ surrogate_key(['c.programme_code', 'c.indicator_code']) }} as indicator_id,
        c.programme_code,
        p.programme_name,
        c.indicator_code,
        c.indicator_number,
        c.indicator_name,
        c.unit,
        nullif(c.direction, '') as direction,
        c.direction_source,
        c.value_type,
        c.periodicity_text,
        nullif(c.periodicity, '') as periodicity,
        nullif(c.section_number, '') as section_number,
        nullif(c.section_name, '') as section_name,
        c.source_document
    from catalogue as c
    left join programmes as p on c.programme_code = p.programme_code
)

select * from final
