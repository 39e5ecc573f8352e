{#- One row per active school × academic year × procedure its type takes (school_types seed):
    did its results arrive? ГИА-9 (procedure oge) has arrived when the school has ОГЭ or ГВЭ-9
    results, ГИА-11 (ege) with ЕГЭ or ГВЭ-11 results (assessments seed: assessment_family), so a
    school whose graduates all sat ГВЭ is not missing. status = arrived | waived
    (config/completeness_waivers.csv) |
    not_due (missing, but the source's due date for that year has not passed: the year is
    published as provisional) | missing (blocks publishing). -#}
with

school_years as (
    select * from {{ ref('dim_school_year') }}
    where is_active
),

expected as (
    select
        school_year_key,
        school_id,
        academic_year,
        school_short_name,
        municipality_name,
        school_type,
        'vpr' as procedure_code
    from school_years
    where takes_vpr
    union all
    select
        school_year_key,
        school_id,
        academic_year,
        school_short_name,
        municipality_name,
        school_type,
        'oge' as procedure_code
    from school_years
    where takes_oge
    union all
    select
        school_year_key,
        school_id,
        academic_year,
        school_short_name,
        municipality_name,
        school_type,
        'ege' as procedure_code
    from school_years
    where takes_ege
),

arrived as (
    select
        f.school_year_key,
        case a.assessment_family
            when 'gia9' then 'oge'
            when 'gia11' then 'ege'
            else f.assessment_code
        end as procedure_code,
        cast(sum(f.participants_count) as bigint) as participants_count  -- not HUGEINT
    from {{ ref('fct_assessment_result') }} as f
    left join {{ ref('assessments') }} as a on f.assessment_code = a.assessment_code
    group by
        f.school_year_key,
        case a.assessment_family
            when 'gia9' then 'oge'
            when 'gia11' then 'ege'
            else f.assessment_code
        end
),

waivers as (
    select * from {{ ref('stg_config__completeness_waivers') }}
),

due as (
    select * from {{ ref('source_due_dates') }}
),

final as (
    select
        {{ surrogate_key(['e.school_year_key', 'e.procedure_code']) }} as completeness_id,
        e.school_year_key,
        e.school_id,
        e.academic_year,
        e.school_short_name,
        e.municipality_name,
        e.school_type,
        e.procedure_code,
        coalesce(a.participants_count, 0) as participants_count,
        d.due_date,
        case
            when a.school_year_key is not null then 'arrived'
            when w.school_id is not null then 'waived'
            when d.due_date is null or {{ as_of_date() }} <= d.due_date then 'not_due'
            else 'missing'
        end as completeness_status,
        w.waiver_reason,
        w.waiver_approved_by,
        w.waiver_approved_on
    from expected as e
    left join arrived as a
        on e.school_year_key = a.school_year_key and e.procedure_code = a.procedure_code
    left join waivers as w
        on
            e.school_id = w.school_id
            and e.academic_year = w.academic_year
            and e.procedure_code = w.procedure_code
    left join due as d
        on e.academic_year = d.academic_year and e.procedure_code = d.procedure_code
)

select * from final
