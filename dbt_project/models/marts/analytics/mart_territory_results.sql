{#- One row per territory (the region, or a municipality) × academic year × assessment ×
    subject, all grades together: the counts of fct_assessment_result summed over the
    territory's schools and the shares computed from the sums (the pct macro) — the one
    definition of a municipal or regional share that the headline, the note and BI read.

    The rule for small groups in a total, stated once (docs/public-export.md): a total pools
    the groups whose figures are published. A school × assessment × subject × grade group of
    1 … min_count − 1 participants (seed disclosure_parameters), whose measures the published
    file blanks, is left out of the numerator and the denominator alike;
    excluded_participants_count says how many pupils that leaves out. So the published school
    rows add up to the total, and a blanked group cannot be worked out by subtraction. -#}
with

results as (
    select * from {{ ref('fct_assessment_result') }}
),

school_years as (
    select * from {{ ref('dim_school_year') }}
),

disclosure as (
    select value as min_count from {{ ref('disclosure_parameters') }}
    where parameter = 'min_count'
),

grouped as (
    -- the municipality a school belonged to in that year (its registry snapshot)
    select
        sy.region_code,
        sy.municipality_name,
        r.school_id,
        r.academic_year,
        r.assessment_code,
        r.subject_code,
        r.participants_count,
        r.mark2_count,
        r.mark3_count,
        r.mark4_count,
        r.mark5_count,
        r.below_min_count,
        r.min_to_60_count,
        r.from_61_to_80_count,
        r.from_81_to_100_count,
        r.low_result_count,
        r.journal_lowered_count,
        r.journal_confirmed_count,
        r.journal_raised_count,
        r.journal_compared_count,
        r.participants_count between 1 and d.min_count - 1 as is_small_group
    from results as r
    inner join school_years as sy
        on r.school_id = sy.school_id and r.academic_year = sy.academic_year
    cross join disclosure as d
),

levels as (
    select 'region' as territory_level
    union all
    select 'municipality' as territory_level
),

territories as (
    -- every school row counted once for the region and once for its municipality
    select
        l.territory_level,
        g.region_code,
        case when l.territory_level = 'municipality' then g.municipality_name end as municipality_name,
        g.school_id,
        g.academic_year,
        g.assessment_code,
        g.subject_code,
        g.participants_count,
        g.mark2_count,
        g.mark3_count,
        g.mark4_count,
        g.mark5_count,
        g.below_min_count,
        g.min_to_60_count,
        g.from_61_to_80_count,
        g.from_81_to_100_count,
        g.low_result_count,
        g.journal_lowered_count,
        g.journal_confirmed_count,
        g.journal_raised_count,
        g.journal_compared_count,
        g.is_small_group
    from grouped as g
    cross join levels as l
),

summed as (
    select
        territory_level,
        region_code,
        municipality_name,
        academic_year,
        assessment_code,
        subject_code,
        -- DuckDB sums integers into HUGEINT, which BI drivers read badly: counts are BIGINT
        cast(count(distinct school_id) filter (where not is_small_group) as bigint) as schools_count,
        cast(coalesce(sum(participants_count) filter (where not is_small_group), 0) as bigint)
            as participants_count,
        cast(coalesce(sum(participants_count) filter (where is_small_group), 0) as bigint)
            as excluded_participants_count,
        cast(sum(mark2_count) filter (where not is_small_group) as bigint) as mark2_count,
        cast(sum(mark3_count) filter (where not is_small_group) as bigint) as mark3_count,
        cast(sum(mark4_count) filter (where not is_small_group) as bigint) as mark4_count,
        cast(sum(mark5_count) filter (where not is_small_group) as bigint) as mark5_count,
        cast(sum(below_min_count) filter (where not is_small_group) as bigint) as below_min_count,
        cast(sum(min_to_60_count) filter (where not is_small_group) as bigint) as min_to_60_count,
        cast(sum(from_61_to_80_count) filter (where not is_small_group) as bigint)
            as from_61_to_80_count,
        cast(sum(from_81_to_100_count) filter (where not is_small_group) as bigint)
            as from_81_to_100_count,
        cast(sum(low_result_count) filter (where not is_small_group) as bigint) as low_result_count,
        cast(sum(journal_lowered_count) filter (where not is_small_group) as bigint)
            as journal_lowered_count,
        cast(sum(journal_confirmed_count) filter (where not is_small_group) as bigint)
            as journal_confirmed_count,
        cast(sum(journal_raised_count) filter (where not is_small_group) as bigint)
            as journal_raised_count,
        cast(sum(journal_compared_count) filter (where not is_small_group) as bigint)
            as journal_compared_count,
        -- the base of the mark shares: participants of the rows that report marks
        sum(participants_count) filter (where not is_small_group and mark2_count is not null)
            as marked_count,
        sum(participants_count) filter (where not is_small_group and below_min_count is not null)
            as scored_count
    from territories
    group by
        territory_level, region_code, municipality_name, academic_year, assessment_code, subject_code
),

final as (
    select
        {{ surrogate_key(['territory_level', 'region_code', 'municipality_name', 'academic_year', 'assessment_code', 'subject_code']) }}
            as territory_result_id,
        territory_level,
        region_code,
        municipality_name,
        academic_year,
        assessment_code,
        subject_code,
        schools_count,
        participants_count,
        excluded_participants_count,
        mark2_count,
        mark3_count,
        mark4_count,
        mark5_count,
        below_min_count,
        min_to_60_count,
        from_61_to_80_count,
        from_81_to_100_count,
        low_result_count,
        {{ pct('low_result_count', 'participants_count') }} as pct_low_result,
        {{ pct('mark2_count', 'marked_count') }} as pct_mark2,
        case
            when mark2_count is not null
                then {{ pct('mark3_count + mark4_count + mark5_count', 'marked_count') }}
            when below_min_count is not null
                then {{ pct('scored_count - below_min_count', 'scored_count') }}
        end as pct_passing,
        {{ pct('mark4_count + mark5_count', 'marked_count') }} as pct_quality,
        {{ pct('below_min_count', 'scored_count') }} as pct_below_min,
        {{ pct('min_to_60_count', 'scored_count') }} as pct_min_to_60,
        {{ pct('from_61_to_80_count', 'scored_count') }} as pct_from_61_to_80,
        {{ pct('from_81_to_100_count', 'scored_count') }} as pct_from_81_to_100,
        journal_compared_count,
        journal_lowered_count,
        journal_confirmed_count,
        journal_raised_count,
        {{ pct('journal_lowered_count', 'journal_compared_count') }} as pct_journal_lowered,
        {{ pct('journal_confirmed_count', 'journal_compared_count') }} as pct_journal_confirmed,
        {{ pct('journal_raised_count', 'journal_compared_count') }} as pct_journal_raised
    from summed
)

select * from final
