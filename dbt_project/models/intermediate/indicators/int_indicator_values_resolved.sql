{#- Plan/fact form rows placed in the warehouse: the programme (indicator_programmes seed, by the
    form's title), the municipality (registry names in any grammatical case, municipality_name_key)
    and the catalogue entry (indicator_catalogue seed). One row per form row; rows whose
    territory or programme cannot be placed keep null keys and go to the warehouse quarantine. -#}
with

form_rows as (
    select * from {{ ref('stg_indicators__indicator_values') }}
),

programmes as (
    select * from {{ ref('indicator_programmes') }}
),

municipalities as (
    select * from {{ ref('int_municipality_name_keys') }}
),

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

placed as (
    select
        f.*,
        p.programme_code,
        m.municipality_id,
        m.municipality_name
    from form_rows as f
    left join programmes as p
        on {{ regex_matches('lower(f.programme_title)', 'p.title_pattern') }}
    left join municipalities as m
        on
            f.region_code = m.region_code
            and {{ municipality_name_key('f.territory_name_reported') }} = m.municipality_key
),

final as (
    select
        pl.*,
        c.indicator_name,
        c.unit,
        c.direction as catalogue_direction,
        c.value_type,
        c.indicator_code is not null as is_in_catalogue
    from placed as pl
    left join catalogue as c
        on pl.programme_code = c.programme_code and pl.indicator_code = c.indicator_code
)

select * from final
