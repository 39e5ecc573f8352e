{#- One row per school × sheet of a committed school monitoring workbook version. The totals
    row ("Итого по МО") is not a school: it stays in the lake for the arrival check
    totals_row_equals_sum_of_schools and is left out here. -#}
with

source as (
    select * from {{ source('school_forms', 'school_form_rows') }} as src
    where {{ committed_versions_only('school_forms', 'src') }}
),

renamed as (
    select
        academic_year,
        region_code,
        school_code as school_code_src,
        fisoko_login,
        school_name as school_name_reported,
        teachers_over_50_rule,
        pupils_grade_1,
        pupils_grade_2,
        pupils_grade_3,
        pupils_grade_4,
        pupils_grade_5,
        pupils_grade_6,
        pupils_grade_7,
        pupils_grade_8,
        pupils_grade_9,
        pupils_grade_10,
        pupils_grade_11,
        pupils_total,
        classes_total,
        classes_adapted,
        graduates_9,
        graduates_11,
        teachers_total,
        teachers_under_35,
        teachers_over_50,
        teachers_higher_ed,
        teachers_cat_highest,
        teachers_cat_first,
        teachers_kpk_period,
        young_specialists_arrived,
        managers_total,
        specialists_defectologist_logoped,
        context_pupils,
        sp_large_family,
        sp_non_native_russian,
        sp_one_parent_higher_ed,
        sp_both_parents_higher_ed,
        sp_both_parents_unemployed,
        sp_parent_disabled,
        sp_foster_guardianship,
        sp_social_danger,
        sp_kdn_register,
        sp_single_parent,
        sp_low_income,
        sp_one_parent_unemployed,
        sp_poor_housing,
        sp_partly_poor_housing,
        sp_school_bus,
        sp_disabled_adapted,
        sp_intraschool_register,
        medal_candidates,
        medalists_1,
        medalists_2,
        grads11_higher_ed,
        grads11_vocational,
        grads11_by_profile,
        grads11_own_region,
        grads9_vocational,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
    where not is_total_row
)

select * from renamed
