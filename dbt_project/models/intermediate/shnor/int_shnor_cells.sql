{#- One row per school × ШНОР procedure (shnor_procedures seed) × academic year with 5+
    participants (shnor_parameters): the share of low results (ВПР/ОГЭ «2», ЕГЭ below the
    year's minimum or base «2»), the share of high results (mark 5, ЕГЭ 81+), the region's
    percentiles of both for that procedure and year, the region's pooled share of low results,
    and whether the cell is flagged low: share_low ≥ P_low and share_high ≤ P_high, and the
    share of low results clearly above the region's pooled share (the Wilson lower bound at
    significance_z above it: a small school is not flagged for two «2» among six pupils; a cell
    without any «2» is never flagged). DOMAIN §4.1, a derived rule. -#}
with

procedures as (
    select * from {{ ref('shnor_procedures') }}
),

parameters as (
    select * from {{ ref('shnor_parameters') }}
),

results as (
    select
        f.school_id,
        f.academic_year,
        s.region_code,
        p.procedure_label,
        sum(f.participants_count) as participants_count,
        sum(f.low_result_count) as low_result_count,
        sum(coalesce(f.mark5_count, 0) + coalesce(f.from_81_to_100_count, 0)) as high_result_count
    from {{ ref('fct_assessment_result') }} as f
    inner join {{ ref('dim_school') }} as s on f.school_id = s.school_id
    inner join procedures as p
        on
            f.assessment_code = p.assessment_code
            and f.grade = p.grade
            and (f.subject_code = p.subject_group or f.subject_code like p.subject_group || '\_%' escape '\')
    group by f.school_id, f.academic_year, s.region_code, p.procedure_label
),

cells as (
    select
        r.*,
        {{ pct('r.low_result_count', 'r.participants_count') }} as pct_low,
        {{ pct('r.high_result_count', 'r.participants_count') }} as pct_high,
        {{ wilson_lower_pct('r.low_result_count', 'r.participants_count', 'pr.significance_z') }}
            as pct_low_lower_bound,
        pr.q_low,
        pr.q_high
    from results as r
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'r.academic_year') }}
    where r.participants_count >= pr.min_participants
),

ranked as (
    select
        region_code,
        academic_year,
        procedure_label,
        pct_low,
        pct_high,
        low_result_count,
        participants_count,
        (count(*) over (partition by region_code, academic_year, procedure_label) - 1) * q_low as low_position,
        (count(*) over (partition by region_code, academic_year, procedure_label) - 1) * q_high as high_position,
        row_number() over (partition by region_code, academic_year, procedure_label order by pct_low) - 1 as low_rank,
        row_number() over (partition by region_code, academic_year, procedure_label order by pct_high) - 1 as high_rank
    from cells
),

-- the continuous percentile (linear interpolation between the two nearest ranks, as
-- percentile_cont), written out so that the fraction can come from the parameters seed
regional as (
    select
        region_code,
        academic_year,
        procedure_label,
        max(case when low_rank = floor(low_position) then pct_low end)
        + (max(low_position) - floor(max(low_position)))
        * (
            max(case when low_rank = ceil(low_position) then pct_low end)
            - max(case when low_rank = floor(low_position) then pct_low end)
        ) as pct_low_reference,
        100.0 * sum(low_result_count) / sum(participants_count) as pct_low_pooled,
        max(case when high_rank = floor(high_position) then pct_high end)
        + (max(high_position) - floor(max(high_position)))
        * (
            max(case when high_rank = ceil(high_position) then pct_high end)
            - max(case when high_rank = floor(high_position) then pct_high end)
        ) as pct_high_reference
    from ranked
    group by region_code, academic_year, procedure_label
),

final as (
    select
        c.school_id,
        c.academic_year,
        c.region_code,
        c.procedure_label,
        c.participants_count,
        c.pct_low,
        c.pct_high,
        round(g.pct_low_reference, 2) as pct_low_reference,
        round(g.pct_high_reference, 2) as pct_high_reference,
        round(g.pct_low_pooled, 2) as pct_low_region,
        round(c.pct_low_lower_bound, 2) as pct_low_lower_bound,
        c.pct_low > 0
        and c.pct_low >= g.pct_low_reference
        and c.pct_high <= g.pct_high_reference
        and c.pct_low_lower_bound > g.pct_low_pooled as is_flagged_low
    from cells as c
    inner join regional as g
        on
            c.region_code = g.region_code
            and c.academic_year = g.academic_year
            and c.procedure_label = g.procedure_label
)

select * from final
