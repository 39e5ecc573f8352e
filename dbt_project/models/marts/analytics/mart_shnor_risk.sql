{#- One row per school × academic year with ВПР/ОГЭ/ЕГЭ results in the window of the last
    n_years (shnor_parameters): cells with data, flagged cells, the ШНОР status and the reason
    listing every flagged cell with its evidence (DOMAIN §4.1, a derived methodology: ФИОКО's
    cut-offs are not published). -#}
with

cells as (
    select * from {{ ref('int_shnor_cells') }}
),

parameters as (
    select * from {{ ref('shnor_parameters') }}
),

school_years as (
    select * from {{ ref('dim_school_year') }}
),

windowed as (
    select
        sy.school_year_key,
        sy.school_id,
        sy.academic_year,
        sy.school_short_name,
        sy.municipality_name,
        sy.school_type,
        pr.min_flag_share,
        pr.min_flag_cells,
        c.procedure_label,
        c.academic_year as cell_year,
        c.pct_low,
        c.pct_high,
        c.pct_low_reference,
        c.pct_high_reference,
        c.is_flagged_low
    from school_years as sy
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'sy.academic_year') }}
    inner join cells as c
        on
            sy.school_id = c.school_id
            and c.academic_year between sy.academic_year - pr.n_years + 1 and sy.academic_year
),

scored as (
    select
        school_year_key,
        school_id,
        academic_year,
        school_short_name,
        municipality_name,
        school_type,
        max(min_flag_share) as min_flag_share,
        max(min_flag_cells) as min_flag_cells,
        count(*) as cells_with_data,
        -- a sum of integers is HUGEINT in DuckDB: the published count is BIGINT
        cast(sum(case when is_flagged_low then 1 else 0 end) as bigint) as flagged_cells,
        string_agg(distinct case when is_flagged_low then procedure_label end, ', ' order by case when is_flagged_low then procedure_label end)
            as flagged_procedures,
        string_agg(
            case
                when is_flagged_low
                    then
                        procedure_label || ' ' || cast(cell_year as varchar) || '/'
                        || cast(cell_year + 1 as varchar) || ': доля «2» ' || {{ ru_decimal('pct_low') }}
                        || ' % (порог региона ' || {{ ru_decimal('pct_low_reference') }}
                        || ' %), доля высоких результатов ' || {{ ru_decimal('pct_high') }}
                        || ' % (порог ' || {{ ru_decimal('pct_high_reference') }} || ' %)'
            end,
            '; ' order by procedure_label, cell_year
        ) as reason
    from windowed
    group by school_year_key, school_id, academic_year, school_short_name, municipality_name, school_type
),

final as (
    select
        school_year_key,
        school_id,
        academic_year,
        school_short_name,
        municipality_name,
        school_type,
        cells_with_data,
        flagged_cells,
        {{ pct('flagged_cells', 'cells_with_data') }} as pct_cells_flagged,
        flagged_procedures,
        flagged_cells >= min_flag_cells
        and flagged_cells >= min_flag_share * cells_with_data as is_shnor,
        case
            when flagged_cells >= min_flag_cells and flagged_cells >= min_flag_share * cells_with_data
                then 'ШНОР'
            when flagged_cells > 0 then 'риск'
            else 'нет'
        end as shnor_status,
        reason
    from scored
)

select * from final
