{#- One row per value cell of the tables municipalities publish (ВПР, ЕГЭ, ОГЭ statistics per
    school or per municipality, seeds 001 and 003): AGGREGATES as reported, a grain of their
    own, never mixed with fct_assessment_result. The reported percent of a "count (pct)" cell
    is recomputed from the count and the participants of the same school (or total), subject,
    grade and year; totals rows are compared with the sum of the school rows of the same
    table. A school row's name is resolved to its registry school (school_id, with the status of
    the resolution). Tolerances come from the published_aggregate_parameters seed. -#}
with

cells as (
    select * from {{ ref('stg_municipal_tables__published_aggregates') }}
),

aliases as (
    select * from {{ ref('subject_aliases') }}
),

parameters as (
    select * from {{ ref('published_aggregate_parameters') }}
),

school_names as (
    select * from {{ ref('int_school_name_resolution') }}
    where school_code_reported is null
),

participants as (
    select
        file_sha256,
        source_sheet,
        entity_name,
        subject_key,
        grade,
        procedure_year,
        max(value_count) as participants_count
    from cells
    where metric = 'participants'
    group by file_sha256, source_sheet, entity_name, subject_key, grade, procedure_year
),

school_sums as (
    select
        file_sha256,
        source_sheet,
        subject_key,
        grade,
        procedure_year,
        metric,
        cast(sum(value_count) as bigint) as schools_sum,  -- not HUGEINT
        count(*) as schools_count
    from cells
    where entity_kind = 'school' and metric_kind = 'count'
    group by file_sha256, source_sheet, subject_key, grade, procedure_year, metric
),

joined as (
    select
        c.*,
        a.subject_code,
        p.participants_count,
        case
            when c.metric_kind = 'count' and c.metric <> 'participants'
                then {{ pct('c.value_count', 'p.participants_count') }}
        end as pct_recomputed,
        case when c.entity_kind = 'total' then s.schools_sum end as schools_sum,
        case when c.entity_kind = 'total' then s.schools_count end as schools_count,
        pr.pct_tolerance_pp,
        n.school_id,
        n.resolution_status as school_resolution_status
    from cells as c
    left join school_names as n
        on
            c.entity_kind = 'school'
            and c.region_code = n.region_code
            and c.academic_year = n.academic_year
            and c.publisher = n.municipality_name_reported
            and c.entity_name = n.school_name_reported
    left join aliases as a on c.subject_key = a.alias_key
    left join participants as p
        on
            c.file_sha256 = p.file_sha256
            and c.source_sheet is not distinct from p.source_sheet
            and c.entity_name = p.entity_name
            and c.subject_key is not distinct from p.subject_key
            and c.grade is not distinct from p.grade
            and c.procedure_year is not distinct from p.procedure_year
    left join school_sums as s
        on
            c.file_sha256 = s.file_sha256
            and c.source_sheet is not distinct from s.source_sheet
            and c.subject_key is not distinct from s.subject_key
            and c.grade is not distinct from s.grade
            and c.procedure_year is not distinct from s.procedure_year
            and c.metric = s.metric
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'c.academic_year') }}
)

select
    {{ surrogate_key(['file_sha256', 'source_sheet', 'source_row', 'source_column']) }}
        as published_aggregate_id,
    publisher,
    region_code,
    procedure_code,
    academic_year,
    procedure_year,
    subject_code,
    subject_name_reported,
    subject_code_hint,
    grade,
    entity_name,
    entity_kind,
    -- the registry school a school row names (school-name resolution: alias or normalised name
    -- within the municipality); null when ambiguous or unknown (audit.school_name_resolution)
    case when school_resolution_status = 'resolved' then school_id end as school_id,
    school_resolution_status,
    metric,
    metric_kind,
    metric_label,
    value,
    value_count,
    participants_count,
    pct_reported,
    pct_recomputed,
    {{ change('pct_reported', 'pct_recomputed', 2) }} as pct_difference,
    coalesce(abs(pct_reported - pct_recomputed) > pct_tolerance_pp, false) as is_pct_mismatch,
    schools_sum,
    schools_count,
    coalesce(entity_kind = 'total' and schools_count > 0 and value_count <> schools_sum, false)
        as is_totals_mismatch,
    missing_kind,
    cell_text,
    block_label,
    table_title,
    source_file,
    source_sheet,
    source_row,
    source_column,
    file_sha256
from joined
