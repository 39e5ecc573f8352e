{#- C11 (DOMAIN §9, warn): results of a procedure the school's type does not take in that
    year (school_types seed): an ООШ with ЕГЭ, a НОШ with anything but ВПР grade 4, an evening
    school with ВПР. -#}
{#- meta.dagster.ref: the asset its check belongs to (a singular test on several models must name it, or dagster-dbt warns on every run) -#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_assessment_result'}}}) }}

select
    f.school_id,
    f.academic_year,
    y.school_type,
    f.assessment_code,
    f.grade
from {{ ref('fct_assessment_result') }} as f
inner join {{ ref('dim_school_year') }} as y
    on f.school_year_key = y.school_year_key
where
    (not y.takes_ege and f.assessment_code in ('ege', 'gve11'))
    or (not y.takes_oge and f.assessment_code in ('oge', 'gve9'))
    or (not y.takes_vpr and f.assessment_code = 'vpr')
    or (y.school_type = 'НОШ' and (f.assessment_code <> 'vpr' or f.grade <> 4))
