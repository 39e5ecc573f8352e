{#- One row per assessment procedure (ВПР, ОГЭ, ГВЭ-9, ЕГЭ, ГВЭ-11). -#}
select
    assessment_code,
    assessment_name,
    assessment_family,
    level_grade,
    result_scale,
    low_result_definition
from {{ ref('assessments') }}
