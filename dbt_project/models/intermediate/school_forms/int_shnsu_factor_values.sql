{#- The social passport in long form: one row per school × academic year × factor of seed 001
    App. 1 and App. 2 (the shnsu_factors seed says which count, with which sign and weight).
    The share is of the pupils the passport covers; NULL when the school gave no figure. -#}
{%- set factor_columns = ['sp_large_family', 'sp_non_native_russian', 'sp_one_parent_higher_ed', 'sp_both_parents_higher_ed', 'sp_both_parents_unemployed', 'sp_parent_disabled', 'sp_foster_guardianship', 'sp_social_danger', 'sp_kdn_register', 'sp_single_parent', 'sp_low_income', 'sp_one_parent_unemployed', 'sp_poor_housing', 'sp_partly_poor_housing', 'sp_school_bus', 'sp_disabled_adapted', 'sp_intraschool_register'] %}
with

profile as (
    select * from {{ ref('fct_school_profile') }}
),

factor_values as (
    {%- for code in factor_columns %}
        select
            school_year_key,
            school_id,
            academic_year,
            region_code,
            '{{ code }}' as factor_code,
            {{ code }} as pupils_count,
            {{ code }}_pct as share_pct
        from profile
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from factor_values
