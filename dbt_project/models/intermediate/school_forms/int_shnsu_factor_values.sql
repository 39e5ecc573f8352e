{#- The social passport in long form: one row per school × academic year × factor of seed 001
    App. 1 and App. 2 (the shnsu_factors seed says which count, with which sign and weight).
    The share is of the pupils the passport covers; NULL when the school gave no figure. -#}
with

profile as (
    select * from {{ ref('fct_school_profile') }}
),

factor_values as (
    select school_year_key, school_id, academic_year, region_code, 'sp_large_family' as factor_code,
        sp_large_family as pupils_count, sp_large_family_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_non_native_russian' as factor_code,
        sp_non_native_russian as pupils_count, sp_non_native_russian_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_one_parent_higher_ed' as factor_code,
        sp_one_parent_higher_ed as pupils_count, sp_one_parent_higher_ed_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_both_parents_higher_ed' as factor_code,
        sp_both_parents_higher_ed as pupils_count, sp_both_parents_higher_ed_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_both_parents_unemployed' as factor_code,
        sp_both_parents_unemployed as pupils_count, sp_both_parents_unemployed_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_parent_disabled' as factor_code,
        sp_parent_disabled as pupils_count, sp_parent_disabled_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_foster_guardianship' as factor_code,
        sp_foster_guardianship as pupils_count, sp_foster_guardianship_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_social_danger' as factor_code,
        sp_social_danger as pupils_count, sp_social_danger_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_kdn_register' as factor_code,
        sp_kdn_register as pupils_count, sp_kdn_register_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_single_parent' as factor_code,
        sp_single_parent as pupils_count, sp_single_parent_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_low_income' as factor_code,
        sp_low_income as pupils_count, sp_low_income_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_one_parent_unemployed' as factor_code,
        sp_one_parent_unemployed as pupils_count, sp_one_parent_unemployed_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_poor_housing' as factor_code,
        sp_poor_housing as pupils_count, sp_poor_housing_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_partly_poor_housing' as factor_code,
        sp_partly_poor_housing as pupils_count, sp_partly_poor_housing_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_school_bus' as factor_code,
        sp_school_bus as pupils_count, sp_school_bus_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_disabled_adapted' as factor_code,
        sp_disabled_adapted as pupils_count, sp_disabled_adapted_pct as share_pct
    from profile
    union all
    select school_year_key, school_id, academic_year, region_code, 'sp_intraschool_register' as factor_code,
        sp_intraschool_register as pupils_count, sp_intraschool_register_pct as share_pct
    from profile
)

select * from factor_values
