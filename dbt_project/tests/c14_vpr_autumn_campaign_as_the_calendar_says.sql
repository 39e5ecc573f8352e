{#- C14 (DOMAIN §9, warn): a ВПР file's autumn flag agrees with the academic_years seed (autumn
    waves 2020 and 2022 belong to the programme year before). -#}
{#- meta.dagster.ref: the asset its check belongs to (a singular test on several models must name it, or dagster-dbt warns on every run) -#}
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_vpr_fisoko__school_results'}}}) }}

select
    r.academic_year,
    r.is_autumn_campaign,
    y.is_vpr_autumn,
    r.source_file,
    count(*) as rows_count
from {{ ref('stg_vpr_fisoko__school_results') }} as r
inner join {{ ref('academic_years') }} as y on r.academic_year = y.academic_year
where r.is_autumn_campaign <> y.is_vpr_autumn
group by r.academic_year, r.is_autumn_campaign, y.is_vpr_autumn, r.source_file
