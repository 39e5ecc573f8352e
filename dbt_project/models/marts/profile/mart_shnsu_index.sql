{#- One row per school × academic year: the social-context index of DOMAIN §4.2 (ШНСУ, a
    derived methodology, not an official one) and its cross-classification with ШНОР.
    Factor shares are standardised within region and year (z = (x − mean) / sd over the schools
    with data, min_schools or more, sd > 0); index = Σ sign·weight·z / Σ weight over the
    available weighted factors (+ = favourable); completeness = available / weighted factors.
    ШНСУ needs BOTH a low relative position (percentile ≤ q_shnsu) AND an absolute level
    (index ≤ index_cut): a percentile alone always flags someone. Parameters: seeds
    shnsu_parameters and shnsu_factors, keyed by academic_year_from. -#}
with

school_years as (
    select * from {{ ref('dim_school_year') }}
),

factor_values as (
    select * from {{ ref('int_shnsu_factor_values') }}
),

factors as (
    select * from {{ ref('shnsu_factors') }}
),

parameters as (
    select * from {{ ref('shnsu_parameters') }}
),

shnor as (
    select * from {{ ref('mart_shnor_risk') }}
),

year_parameters as (
    select
        sy.school_year_key,
        pr.min_completeness,
        pr.q_shnsu,
        pr.index_cut,
        pr.min_schools
    from school_years as sy
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'sy.academic_year') }}
),

year_factors as (
    -- the factor list in force for each academic year that has values
    select
        y.academic_year,
        f.factor_code,
        f.sign,
        f.weight
    from (select distinct academic_year from school_years) as y
    inner join factors as f
        on f.academic_year_from = (
            select max(f2.academic_year_from) from factors as f2
            where f2.academic_year_from <= y.academic_year
        )
    where f.weight > 0
),

weighted_values as (
    select
        v.school_year_key,
        v.region_code,
        v.academic_year,
        v.factor_code,
        v.share_pct,
        f.sign,
        f.weight,
        p.min_schools
    from factor_values as v
    inner join year_factors as f
        on v.academic_year = f.academic_year and v.factor_code = f.factor_code
    inner join year_parameters as p on v.school_year_key = p.school_year_key
    where v.share_pct is not null
),

factor_stats as (
    select
        region_code,
        academic_year,
        factor_code,
        avg(share_pct) as mean_pct,
        stddev_samp(share_pct) as sd_pct,
        count(*) as schools_with_data
    from weighted_values
    group by region_code, academic_year, factor_code
),

standardised as (
    select
        w.school_year_key,
        w.factor_code,
        w.sign,
        w.weight,
        (w.share_pct - s.mean_pct) / s.sd_pct as z
    from weighted_values as w
    inner join factor_stats as s
        on
            w.region_code = s.region_code
            and w.academic_year = s.academic_year
            and w.factor_code = s.factor_code
    where s.sd_pct > 0 and s.schools_with_data >= w.min_schools
),

per_school as (
    select
        school_year_key,
        count(*) as factors_available,
        sum(sign * weight * z) / sum(weight) as index_raw,
        min(sign * z) as worst_signed_z
    from standardised
    group by school_year_key
),

indexed as (
    select
        sy.school_year_key,
        sy.school_id,
        sy.academic_year,
        sy.region_code,
        sy.municipality_name,
        sy.school_short_name,
        sy.school_type,
        p.min_completeness,
        p.q_shnsu,
        p.index_cut,
        (
            select count(*) from year_factors as f
            where f.academic_year = sy.academic_year)
            as factors_weighted,
        coalesce(s.factors_available, 0) as factors_available,
        s.index_raw,
        s.worst_signed_z
    from school_years as sy
    inner join year_parameters as p on sy.school_year_key = p.school_year_key
    left join per_school as s on sy.school_year_key = s.school_year_key
),

statused as (
    select
        *,
        case
            when factors_weighted > 0 then round(1.0 * factors_available / factors_weighted, 3)
        end as completeness,
        case
            when factors_weighted > 0 and 1.0 * factors_available / factors_weighted >= min_completeness
                then 'computed'
            else 'insufficient_data'
        end as index_status
    from indexed
),

ranked as (
    select
        *,
        case when index_status = 'computed' then round(index_raw, 3) end as isb_index,
        case
            when index_status = 'computed'
                then percent_rank() over (
                    partition by region_code, academic_year, index_status order by index_raw
                )
        end as index_percentile
    from statused
),

final as (
    select
        r.school_year_key,
        r.school_id,
        r.academic_year,
        r.region_code,
        r.municipality_name,
        r.school_short_name,
        r.school_type,
        r.factors_weighted,
        r.factors_available,
        r.completeness,
        r.index_status,
        r.isb_index,
        round(r.index_percentile, 3) as index_percentile,
        round(r.worst_signed_z, 3) as worst_factor_z,
        r.q_shnsu,
        r.index_cut,
        case
            when r.index_status = 'computed'
                then r.index_percentile <= r.q_shnsu and r.index_raw <= r.index_cut
        end as is_shnsu,
        case
            when r.index_status <> 'computed' then 'нет данных'
            when r.index_percentile <= r.q_shnsu and r.index_raw <= r.index_cut then 'ШНСУ'
            else 'нет'
        end as shnsu_status,
        sh.is_shnor,
        case
            when r.index_status <> 'computed' or sh.is_shnor is null then 'unknown'
            when sh.is_shnor and r.index_percentile <= r.q_shnsu and r.index_raw <= r.index_cut
                then 'shnor_and_shnsu'
            when sh.is_shnor then 'low_results_good_conditions'
            when r.index_percentile <= r.q_shnsu and r.index_raw <= r.index_cut then 'resilient'
            else 'neither'
        end as cross_class
    from ranked as r
    left join shnor as sh on r.school_year_key = sh.school_year_key
)

select * from final
