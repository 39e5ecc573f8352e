{#- One row per school × academic year × ОГЭ subject with min_participants or more pupils whose
    ОГЭ mark can be compared with their annual mark (objectivity_parameters): the share of ОГЭ
    marks below the annual mark, its Wilson lower bound, and the pooled share of the OTHER
    schools of the region in the same subject and year (leave-one-out). Evidence for marker M6
    of mart_objectivity_markers (DOMAIN §4.3, derived). -#}
with

parameters as (
    select * from {{ ref('objectivity_parameters') }}
),

comparisons as (
    select
        c.school_id,
        c.academic_year,
        c.subject_code,
        s.region_code,
        c.compared_count,
        c.lowered_count,
        c.lowered_by_two_count,
        c.pct_lowered,
        c.pct_lowered_by_two
    from {{ ref('int_oge_annual_mark_comparison') }} as c
    inner join {{ ref('dim_school') }} as s on c.school_id = s.school_id
),

eligible as (
    select
        c.*,
        p.significance_z
    from comparisons as c
    inner join parameters as p
        on {{ parameters_in_force('p', 'c.academic_year') }}
    where c.compared_count >= p.min_participants
),

regional as (
    select
        *,
        sum(lowered_count) over work - lowered_count as others_lowered_count,
        sum(compared_count) over work - compared_count as others_compared_count
    from eligible
    window work as (partition by region_code, academic_year, subject_code)
)

select
    school_id,
    academic_year,
    subject_code,
    region_code,
    compared_count,
    lowered_count,
    lowered_by_two_count,
    pct_lowered,
    pct_lowered_by_two,
    {{ pct('others_lowered_count', 'others_compared_count') }} as others_pct_lowered,
    round({{ wilson_lower_pct('lowered_count', 'compared_count', 'significance_z') }}, 2)
        as pct_lowered_lower_bound
from regional
