{#- One row per check that a published aggregate fails (DOMAIN §9, a derived catalogue):
    PCT (a reported percent differs from the recomputed one by more than the tolerance, warn),
    TOTAL (a totals row differs from the sum of the school rows of its table, warn), C1 (mark
    counts add up to more or other than the participants, error), C2 (Σ %«k» = 100, warn), C3
    (успеваемость = 100 − %«2», качество = %«4» + %«5», warn), C4 (ВПР mean mark within the
    bounds the shares allow, warn), C5 (a percent of N participants is a whole number of
    pupils to the precision the source printed, warn: municipal percentages are often means of
    school percentages), C9 (journal comparison adds up, confirmed ≤ participants, error),
    SUBJECT_GRADE (a ВПР subject in a grade the assessment does not have that year, seed
    vpr_grade_subjects, warn: seed 001 prints «Обществознание» in grade 4).

    C4: with s = успеваемость and q = качество as fractions, the share of «3» is s − q (a «3»
    fills the success-but-not-quality share), so the mean mark is 2(1 − s) + 3(s − q) + m·q
    with m between 4 and 5: within [2 + s + q, 2 + s + 2q].
    C5: a percent printed with d decimals stands for any value within half a unit of its last
    digit; it is consistent with N participants when some whole k gives |100·k/N − p| ≤
    0.5·10^−d + pct_printed_tolerance_pp (the nearest k is round(p·N/100)). -#}
with

facts as (
    select * from {{ ref('fct_published_aggregate') }}
),

parameters as (
    select * from {{ ref('published_aggregate_parameters') }}
),

cell_groups as (
    select
        f.publisher,
        f.procedure_code,
        f.academic_year,
        f.procedure_year,
        f.subject_code,
        f.subject_name_reported,
        f.grade,
        f.entity_name,
        f.file_sha256,
        f.source_sheet,
        min(f.source_file) as source_file,
        min(f.source_row) as source_row,
        max(case when f.metric = 'participants' then f.value end) as n,
        max(case when f.metric = 'mark2_count' then f.value end) as n2,
        max(case when f.metric = 'mark3_count' then f.value end) as n3,
        max(case when f.metric = 'mark4_count' then f.value end) as n4,
        max(case when f.metric = 'mark5_count' then f.value end) as n5,
        max(case when f.metric = 'mark45_count' then f.value end) as n45,
        max(case when f.metric = 'journal_lowered' then f.value end) as lowered,
        max(case when f.metric = 'journal_confirmed' then f.value end) as confirmed,
        max(case when f.metric = 'journal_raised' then f.value end) as raised,
        max(case when f.metric = 'pct_mark2' then f.value end) as p2,
        max(case when f.metric = 'pct_mark3' then f.value end) as p3,
        max(case when f.metric = 'pct_mark4' then f.value end) as p4,
        max(case when f.metric = 'pct_mark5' then f.value end) as p5,
        max(case when f.metric = 'success_rate' then f.value end) as success,
        max(case when f.metric = 'quality_rate' then f.value end) as quality,
        max(case when f.metric = 'mean_score' then f.value end) as mean_mark
    from facts as f
    group by
        f.publisher, f.procedure_code, f.academic_year, f.procedure_year, f.subject_code,
        f.subject_name_reported, f.grade, f.entity_name, f.file_sha256, f.source_sheet
),

groups_with_parameters as (
    select
        g.*,
        pr.sum_tolerance_pp,
        pr.pct_printed_tolerance_pp,
        pr.mean_tolerance
    from cell_groups as g
    inner join parameters as pr
        on {{ parameters_in_force('pr', 'g.academic_year') }}
),

cell_checks as (
    select
        'PCT' as check_id,
        'warn' as severity,
        publisher,
        procedure_code,
        academic_year,
        procedure_year,
        subject_code,
        subject_name_reported,
        grade,
        entity_name,
        metric,
        source_file,
        source_row,
        'reported ' || cast(pct_reported as varchar) || '% vs recomputed '
        || cast(pct_recomputed as varchar) || '% (' || cell_text || ')' as detail
    from facts
    where is_pct_mismatch
    union all
    select
        'TOTAL' as check_id,
        'warn' as severity,
        publisher,
        procedure_code,
        academic_year,
        procedure_year,
        subject_code,
        subject_name_reported,
        grade,
        entity_name,
        metric,
        source_file,
        source_row,
        'total ' || cast(value_count as varchar) || ' vs sum of '
        || cast(schools_count as varchar) || ' school rows ' || cast(schools_sum as varchar) as detail
    from facts
    where is_totals_mismatch
),

group_checks as (
    select
        'C1' as check_id,
        'error' as severity,
        *,
        'marks ' || cast(coalesce(n2 + n3 + n4 + n5, n2 + n45) as varchar)
        || ' vs participants ' || cast(n as varchar) as detail
    from groups_with_parameters
    where (n2 + n3 + n4 + n5 <> n) or (n2 + n45 > n)
    union all
    select
        'C9' as check_id,
        'error' as severity,
        *,
        'journal comparison ' || cast(coalesce(lowered + confirmed + raised, confirmed) as varchar)
        || ' vs participants ' || cast(n as varchar) as detail
    from groups_with_parameters
    where (lowered + confirmed + raised > n) or (confirmed > n)
    union all
    select
        'C2' as check_id,
        'warn' as severity,
        *,
        'Σ % = ' || cast(round(p2 + p3 + p4 + p5, 2) as varchar) as detail
    from groups_with_parameters
    where abs(p2 + p3 + p4 + p5 - 100) > sum_tolerance_pp
    union all
    select
        'C3' as check_id,
        'warn' as severity,
        *,
        'успеваемость ' || cast(success as varchar) || ', качество ' || cast(quality as varchar)
        || ' vs %«2» ' || cast(p2 as varchar) || ', %«4»+%«5» ' || cast(p4 + p5 as varchar) as detail
    from groups_with_parameters
    where abs(success - (100 - p2)) > sum_tolerance_pp or abs(quality - (p4 + p5)) > sum_tolerance_pp
    union all
    select
        'C4' as check_id,
        'warn' as severity,
        *,
        'mean mark ' || cast(mean_mark as varchar) || ' outside ['
        || cast(round(2 + success / 100 + quality / 100, 2) as varchar)
        || ', '
        || cast(round(2 + success / 100 + 2 * quality / 100, 2) as varchar)
        || '] (2 + s + q, 2 + s + 2q)' as detail
    from groups_with_parameters
    where
        procedure_code = 'ВПР'
        and (
            mean_mark < 2 + success / 100 + quality / 100 - mean_tolerance
            or mean_mark > 2 + success / 100 + 2 * quality / 100 + mean_tolerance
        )
),

integrality as (
    select
        'C5' as check_id,
        'warn' as severity,
        f.publisher,
        f.procedure_code,
        f.academic_year,
        f.procedure_year,
        f.subject_code,
        f.subject_name_reported,
        f.grade,
        f.entity_name,
        f.metric,
        f.source_file,
        f.source_row,
        f.cell_text || ' of ' || cast(cast(g.n as integer) as varchar) || ' participants: the nearest whole number of pupils, '
        || cast(cast(round(f.value * g.n / 100) as integer) as varchar) || ', is '
        || cast(round(100 * round(f.value * g.n / 100) / g.n, 3) as varchar) || '% ('
        || cast(round(abs(100 * round(f.value * g.n / 100) / g.n - f.value), 3) as varchar)
        || ' pp off; printed with ' || cast(f.printed_decimals as varchar) || ' decimals)' as detail
    from (
        select
            *,
            {{ printed_decimals('cell_text') }} as printed_decimals
        from facts
    ) as f
    inner join groups_with_parameters as g
        on
            f.file_sha256 = g.file_sha256
            and f.source_sheet is not distinct from g.source_sheet
            and f.entity_name = g.entity_name
            and f.procedure_code is not distinct from g.procedure_code
            and f.subject_name_reported is not distinct from g.subject_name_reported
            and f.grade is not distinct from g.grade
            and f.procedure_year is not distinct from g.procedure_year
    where
        f.metric_kind = 'pct' and f.metric <> 'pct_high_results' and g.n > 0
        and abs(100 * round(f.value * g.n / 100) / g.n - f.value)
        > 0.5 * power(10, -f.printed_decimals) + g.pct_printed_tolerance_pp
),

subject_grades as (
    select * from {{ ref('vpr_grade_subjects') }}
),

combinations as (
    select
        'SUBJECT_GRADE' as check_id,
        'warn' as severity,
        f.publisher,
        f.procedure_code,
        f.academic_year,
        f.procedure_year,
        f.subject_code,
        f.subject_name_reported,
        f.grade,
        f.entity_name,
        cast(null as varchar) as metric,
        min(f.source_file) as source_file,
        min(f.source_row) as source_row,
        'ВПР has no «' || coalesce(f.subject_name_reported, f.subject_code) || '» in grade '
        || cast(f.grade as varchar) || ' in ' || cast(f.academic_year as varchar) || '/'
        || cast(f.academic_year + 1 as varchar) || ' (seed vpr_grade_subjects)' as detail
    from facts as f
    where
        f.procedure_code = 'ВПР'
        and f.subject_code is not null
        and f.grade is not null
        and not exists (
            select 1 from subject_grades as v
            where
                v.grade = f.grade
                and v.subject_code = f.subject_code
                and f.academic_year between v.academic_year_from and v.academic_year_to
        )
    group by
        f.publisher, f.procedure_code, f.academic_year, f.procedure_year, f.subject_code,
        f.subject_name_reported, f.grade, f.entity_name, f.file_sha256, f.source_sheet
),

all_checks as (
    select * from cell_checks
    union all
    select
        check_id,
        severity,
        publisher,
        procedure_code,
        academic_year,
        procedure_year,
        subject_code,
        subject_name_reported,
        grade,
        entity_name,
        null as metric,
        source_file,
        source_row,
        detail
    from group_checks
    union all
    select * from integrality
    union all
    select * from combinations
)

select
    {{ surrogate_key(['check_id', 'source_file', 'source_row', 'metric', 'subject_name_reported', 'grade', 'procedure_year']) }}
        as check_row_id,
    *
from all_checks
