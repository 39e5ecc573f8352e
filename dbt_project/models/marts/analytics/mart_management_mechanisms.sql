{#- The evaluation of quality-management mechanisms (seed 004, ФИОКО), the nine steps:
    1 primary points per evaluation position (the input);
    2 component points = Σ points of the component's positions, per direction;
    3 component degree = 100 · component points / component maximum;
    4 direction result = Σ of its components' points;
    5 direction index = 100 · direction result / direction maximum;
    6 block value = Σ of its directions' results (results: directions 1–4; activity: 5–8);
    7 block index = 100 · block value / block maximum;
    8 total = Σ of the two blocks;
    9 overall index = 100 · total / maximum total (→ П20).
    One row per entity × academic year × level (component, direction, block, total). Ranking
    within the region per year and level: by the exact index (points / maximum), so entities
    with different maximum points compare fairly; ties share a rank and the next rank is
    skipped (1, 1, 3). Change = index − the previous academic year's index of the same level. -#}
with

scores as (
    select * from {{ ref('int_mechanism_scores_resolved') }}
    where municipality_id is not null and direction_code is not null and component_code is not null
),

component_level as (  -- steps 2–3
    select
        municipality_id,
        municipality_name,
        municipality_region_code as region_code,
        academic_year,
        evaluation_year,
        block_code,
        direction_code,
        component_code,
        sum(points) as points,
        sum(max_points) as max_points
    from scores
    group by
        municipality_id, municipality_name, municipality_region_code, academic_year,
        evaluation_year, block_code, direction_code, component_code
),

direction_level as (  -- steps 4–5
    select
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        block_code,
        direction_code,
        sum(points) as points,
        sum(max_points) as max_points
    from component_level
    group by municipality_id, municipality_name, region_code, academic_year, evaluation_year, block_code, direction_code
),

block_level as (  -- steps 6–7
    select
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        block_code,
        sum(points) as points,
        sum(max_points) as max_points
    from direction_level
    group by municipality_id, municipality_name, region_code, academic_year, evaluation_year, block_code
),

total_level as (  -- steps 8–9
    select
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        sum(points) as points,
        sum(max_points) as max_points
    from block_level
    group by municipality_id, municipality_name, region_code, academic_year, evaluation_year
),

levels as (
    select
        'component' as level,
        component_code as level_code,
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        block_code,
        direction_code,
        component_code,
        points,
        max_points
    from component_level
    union all
    select
        'direction' as level,
        direction_code as level_code,
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        block_code,
        direction_code,
        null as component_code,
        points,
        max_points
    from direction_level
    union all
    select
        'block' as level,
        block_code as level_code,
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        block_code,
        null as direction_code,
        null as component_code,
        points,
        max_points
    from block_level
    union all
    select
        'total' as level,
        'total' as level_code,
        municipality_id,
        municipality_name,
        region_code,
        academic_year,
        evaluation_year,
        null as block_code,
        null as direction_code,
        null as component_code,
        points,
        max_points
    from total_level
),

indexed as (
    select
        *,
        coalesce(direction_code, '') || '|' || level_code as level_key,
        {{ pct('points', 'max_points') }} as index_pct,
        rank() over (
            partition by region_code, academic_year, level, coalesce(direction_code, ''), level_code
            order by case when max_points > 0 then 1.0 * points / max_points end desc
        ) as rank_in_region,
        count(*) over (
            partition by region_code, academic_year, level, coalesce(direction_code, ''), level_code
        ) as entities_in_region
    from levels
),

final as (
    select
        {{ surrogate_key(['cur.municipality_id', 'cur.academic_year', 'cur.level', 'cur.level_key']) }}
            as mechanism_score_id,
        cur.municipality_id,
        cur.municipality_name,
        cur.region_code,
        cur.academic_year,
        cur.evaluation_year,
        cur.level,
        cur.block_code,
        cur.direction_code,
        cur.component_code,
        cur.points,
        cur.max_points,
        cur.index_pct,
        cur.rank_in_region,
        cur.entities_in_region,
        prev.index_pct as previous_index_pct,
        {{ change('cur.index_pct', 'prev.index_pct') }} as index_pct_change
    from indexed as cur
    left join indexed as prev
        on
            cur.municipality_id = prev.municipality_id
            and cur.level = prev.level
            and cur.level_key = prev.level_key
            and cur.academic_year = prev.academic_year + 1
)

select * from final
