-- The floor: fct_assessment_result and mart_school_scorecard computed straight from the landing
-- files by hand-written DuckDB SQL (not compiled from dbt), for the benchmark (BENCHMARKS.md).
--
-- bench/floor.py runs the stages below in order (a stage starts at a "-- stage: <name>" line),
-- after registering, in the same connection:
--   exam_csv_files(path, source_file, source_name, region_code)  UTF-8 copies of the РЦОИ CSVs
--     (the originals are Windows-1251, which DuckDB cannot read without the encodings
--     extension: the transcoding is part of the parse stage's time)
--   registry_cells, vpr_cells   every row of every registry / ВПР workbook read by fastexcel
--     into Arrow (columns c0.. as text, plus source_file, region_code, title = first cell)
--   seeds: the CSV files of dbt_project/seeds (reference data, read as such)
-- and query parameters $ipad / $opad: the HMAC-SHA-256 pads of the pseudonymisation secret
-- (ingestion/privacy.py computes person_key the same way, as SQL over the pads).
--
-- Essential work done here as in the pipeline: parse and type every cell, drop names and
-- documents after computing person_key = HMAC(secret, 'person:v1|year|region|NAME'), place
-- every row in its academic year from the file's own title, resolve schools by region + code
-- or login, subjects by code or alias, thresholds from the seeds by year, the blocking checks,
-- aggregation, and the published form (groups under 5 pupils blanked).
-- Not done (the pipeline does it; the floor's inputs need none of it): header discovery
-- (layouts are known), quarantine of bad cells, lineage and accounting of every row, file
-- versions and manifests, audit tables, the other dimensions and marts.

-- stage: parse
create or replace table exam_lines as
select f.source_file, f.source_name, f.region_code, l.*
from read_csv(
    (select list(path order by path) from exam_csv_files),
    columns = {
        'c0': 'varchar', 'c1': 'varchar', 'c2': 'varchar', 'c3': 'varchar', 'c4': 'varchar',
        'c5': 'varchar', 'c6': 'varchar', 'c7': 'varchar', 'c8': 'varchar', 'c9': 'varchar',
        'c10': 'varchar', 'c11': 'varchar', 'c12': 'varchar', 'c13': 'varchar', 'c14': 'varchar'
    },
    header = false, delim = ';', quote = '"', escape = '"', null_padding = true,
    auto_detect = false, strict_mode = false, filename = true
) as l
join exam_csv_files as f on f.path = l.filename;

create or replace table exam_titles as
select
    filename,
    cast(regexp_extract(c0, '^(\d{1,2}) - ', 1) as integer)::varchar as subject_fct_code,
    strptime(regexp_extract(c0, '(\d{4}\.\d{2}\.\d{2})\s*$', 1), '%Y.%m.%d')::date as exam_date
from exam_lines
where regexp_matches(c0, '^\d{1,2} - .+ \d{4}\.\d{2}\.\d{2}\s*$');

create or replace table exam_pupils as
with rows as (
    select
        l.source_file,
        l.region_code,
        case l.source_name when 'ege_rcoi' then 'ege' else 'oge' end as assessment_code,
        t.subject_fct_code,
        t.exam_date,
        case when month(t.exam_date) <= 10 then year(t.exam_date) - 1 else year(t.exam_date) end
            as academic_year,
        l.c2 as school_code,
        concat_ws(' ', l.c6, l.c7, l.c8) as full_name,
        -- ЕГЭ 100-point subjects: ...;Первичный балл;Балл; base mathematics and ОГЭ: ...;Оценка
        case when l.source_name = 'ege_rcoi' and t.subject_fct_code <> '22'
            then cast(l.c13 as double) else cast(l.c12 as double) end as primary_score,
        case when l.source_name = 'ege_rcoi' and t.subject_fct_code <> '22'
            then cast(l.c14 as integer) end as test_score,
        case when not (l.source_name = 'ege_rcoi' and t.subject_fct_code <> '22')
            then cast(l.c13 as integer) end as mark
    from exam_lines as l
    join exam_titles as t on t.filename = l.filename
    where regexp_full_match(l.c2, '\d{4,8}') and try_cast(l.c0 as integer) is not null
)
select
    * exclude (full_name),
    left(sha256(unhex($opad) || unhex(sha256(unhex($ipad) || encode(
        'person:v1|' || academic_year || '|' || region_code || '|'
        || trim(regexp_replace(regexp_replace(upper(replace(replace(full_name, 'ё', 'е'), 'Ё', 'Е')),
                                              '[^\p{L}\- ]', ' ', 'g'), '\s+', ' ', 'g'))
    )))), 32) as person_key,
    full_name is not null and full_name <> '' as has_person_name
from rows;

drop table exam_lines;

create or replace table registry as
select
    region_code,
    c1 as school_code,
    c2 as fisoko_login,
    c4 as school_short_name,
    c5 as municipality_name,
    c7 as school_type,
    coalesce(lower(c14), 'действует') in ('действует', 'действующая') as is_active,
    cast(regexp_extract(title, 'на \d{2}\.\d{2}\.(\d{4})', 1) as integer) as academic_year
from registry_cells
where regexp_full_match(c1, '\d{4,8}');

create or replace table vpr as
select
    region_code,
    c0 as school_login,
    cast(cast(c2 as double) as integer) as work_grade,
    regexp_replace(replace(lower(c3), 'ё', 'е'), '[^\p{L}]', '', 'g') as subject_key,
    cast(cast(c4 as double) as integer) as participants_count,
    cast(cast(c5 as double) as integer) as mark2_count,
    cast(cast(c6 as double) as integer) as mark3_count,
    cast(cast(c7 as double) as integer) as mark4_count,
    cast(cast(c8 as double) as integer) as mark5_count,
    cast(cast(c9 as double) as integer) as journal_lowered_count,
    cast(cast(c10 as double) as integer) as journal_confirmed_count,
    cast(cast(c11 as double) as integer) as journal_raised_count,
    cast(regexp_extract(title, '(\d{4})/\d{4} учебного года', 1) as integer) as academic_year
from vpr_cells
where regexp_full_match(c0, 'sch\d{6,8}');

-- stage: checks
-- the blocking arrival checks of expectations/suites and the warehouse's key tests
create or replace table floor_check_failures as
select 'one_result_per_pupil_and_sitting' as check_name, count(*) as failing
from (
    select 1 from exam_pupils
    group by assessment_code, subject_fct_code, exam_date, region_code, school_code, person_key
    having count(*) > 1
)
union all
select 'every_pupil_named', count(*) from exam_pupils where not has_person_name
union all
select 'score_kind_matches_subject', count(*) from exam_pupils
where (assessment_code = 'ege' and subject_fct_code <> '22' and test_score is null)
   or ((assessment_code = 'oge' or subject_fct_code = '22') and mark is null)
union all
select 'test_score_0_100', count(*) from exam_pupils where test_score not between 0 and 100
union all
select 'school_code_unique_in_region', count(*) from (
    select 1 from registry group by academic_year, region_code, school_code having count(*) > 1
)
union all
select 'fisoko_login_unique', count(*) from (
    select 1 from registry group by academic_year, fisoko_login having count(*) > 1
)
union all
select 'one_row_per_school_grade_subject', count(*) from (
    select 1 from vpr group by academic_year, school_login, work_grade, subject_key
    having count(*) > 1
)
union all
select 'mark_counts_sum_to_participants', count(*) from vpr
where mark2_count + mark3_count + mark4_count + mark5_count <> participants_count
union all
select 'journal_groups_within_participants', count(*) from vpr
where journal_lowered_count + journal_confirmed_count + journal_raised_count > participants_count;

-- stage: transform
create or replace table school_snapshots as
select region_code || '-' || school_code as school_id, *
from registry;

create or replace table school_identifiers as
select distinct 'rcoi_code' as id_type, region_code, school_code as id_value, school_id
from school_snapshots
union
select distinct 'fisoko_login', region_code, fisoko_login, school_id
from school_snapshots where fisoko_login is not null;

create or replace table exam_result as
select
    md5(coalesce(p.assessment_code, '_null_') || '|' || coalesce(f.subject_code, '_null_') || '|'
        || coalesce(cast(p.exam_date as varchar), '_null_') || '|'
        || md5(p.person_key || '|' || i.school_id)) as exam_result_id,
    md5(p.person_key || '|' || i.school_id) as participant_key,
    i.school_id,
    p.academic_year,
    p.assessment_code,
    f.subject_code,
    p.primary_score,
    p.test_score,
    p.mark,
    case
        when p.test_score is not null then p.test_score >= m.min_score
        when p.mark is not null then p.mark >= coalesce(m.min_mark, 3)
    end as passed_min,
    -- base mathematics (ЕГЭ graded on a mark scale): below the seed's minimum mark
    case
        when p.test_score is not null then p.test_score < m.min_score
        when p.mark is not null and m.min_mark is not null then p.mark < m.min_mark
    end as is_below_min,
    m.min_mark as min_mark_applied,
    case
        when p.test_score is null then null
        when p.test_score < m.min_score then 'below_min'
        when p.test_score < b.mid_band_from then 'min_to_60'
        when p.test_score < b.high_band_from then 'from_61_to_80'
        else 'from_81_to_100'
    end as score_band,
    coalesce(p.test_score = b.top_score, false) as is_top_score
from exam_pupils as p
join school_identifiers as i
    on i.id_type = 'rcoi_code' and i.region_code = p.region_code and i.id_value = p.school_code
join seed_subject_fct_codes as f
    on f.assessment_code = p.assessment_code and f.fct_code = p.subject_fct_code
left join seed_ege_min_scores as m
    on m.academic_year = p.academic_year and m.subject_code = f.subject_code
left join seed_ege_score_bands as b
    on b.academic_year = p.academic_year;

create or replace table fct_assessment_result as
with vpr_rows as (
    select
        i.school_id, v.academic_year, 'vpr' as assessment_code, a.subject_code,
        v.work_grade as grade, v.participants_count,
        v.mark2_count, v.mark3_count, v.mark4_count, v.mark5_count,
        null::integer as below_min_count, null::integer as min_to_60_count,
        null::integer as from_61_to_80_count, null::integer as from_81_to_100_count,
        null::integer as top_score_count,
        v.mark2_count as low_result_count,
        2.0 * v.mark2_count + 3.0 * v.mark3_count + 4.0 * v.mark4_count + 5.0 * v.mark5_count
            as mark_total,
        null::double as test_score_total, null::double as primary_score_total,
        v.journal_lowered_count, v.journal_confirmed_count, v.journal_raised_count,
        'fisoko_aggregate' as result_source
    from vpr as v
    join school_identifiers as i
        on i.id_type = 'fisoko_login' and i.region_code = v.region_code
       and i.id_value = v.school_login
    join seed_subject_aliases as a on a.alias_key = v.subject_key
),
exam_rows as (
    select
        e.school_id, e.academic_year, e.assessment_code, e.subject_code,
        s.level_grade as grade,
        count(*) as participants_count,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 2) end,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 3) end,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 4) end,
        case when count(e.mark) > 0 then count(*) filter (where e.mark = 5) end,
        case
            when count(e.test_score) > 0 then count(*) filter (where e.score_band = 'below_min')
            when count(e.min_mark_applied) > 0 then count(*) filter (where e.is_below_min)
        end,
        case when count(e.test_score) > 0 then count(*) filter (where e.score_band = 'min_to_60') end,
        case when count(e.test_score) > 0
            then count(*) filter (where e.score_band = 'from_61_to_80') end,
        case when count(e.test_score) > 0
            then count(*) filter (where e.score_band = 'from_81_to_100') end,
        case when count(e.test_score) > 0 then count(*) filter (where e.is_top_score) end,
        count(*) filter (where not e.passed_min),
        sum(e.mark), sum(e.test_score), sum(e.primary_score),
        null::integer, null::integer, null::integer,
        'pupil_level'
    from exam_result as e
    join seed_assessments as s on s.assessment_code = e.assessment_code
    group by e.school_id, e.academic_year, e.assessment_code, e.subject_code, s.level_grade
),
unioned as (
    select * from vpr_rows
    union all
    select * from exam_rows
)
select
    md5(school_id || '|' || academic_year || '|' || assessment_code || '|' || subject_code || '|'
        || coalesce(cast(grade as varchar), '_null_')) as assessment_result_id,
    school_id,
    md5(school_id || '|' || academic_year) as school_year_key,
    academic_year, assessment_code, subject_code, grade, participants_count,
    mark2_count, mark3_count, mark4_count, mark5_count,
    below_min_count, min_to_60_count, from_61_to_80_count, from_81_to_100_count,
    top_score_count, low_result_count,
    case when participants_count > 0
        then round(100.0 * (low_result_count) / (participants_count), 2) end as pct_low_result,
    case
        when mark2_count is not null then case when participants_count > 0 then
            round(100.0 * (mark3_count + mark4_count + mark5_count) / (participants_count), 2) end
        when below_min_count is not null then case when participants_count > 0 then
            round(100.0 * (participants_count - below_min_count) / (participants_count), 2) end
    end as pct_passing,
    case when participants_count > 0
        then round(100.0 * (mark4_count + mark5_count) / (participants_count), 2) end
        as pct_quality,
    case
        when test_score_total is not null then case when participants_count > 0
            then round(1.0 * (test_score_total) / (participants_count), 2) end
        else case when mark2_count + mark3_count + mark4_count + mark5_count > 0
            then round(1.0 * (mark_total) / (mark2_count + mark3_count + mark4_count + mark5_count), 2) end
    end as mean_value,
    case when test_score_total is not null then 'mean_test_score' else 'mean_mark' end
        as mean_measure_type,
    coalesce(test_score_total, mark_total) as result_sum,
    case when assessment_code = 'oge' then case when participants_count > 0
        then round(1.0 * (primary_score_total) / (participants_count), 2) end end
        as mean_primary_score,
    journal_lowered_count, journal_confirmed_count, journal_raised_count,
    journal_lowered_count + journal_confirmed_count + journal_raised_count
        as journal_compared_count,
    case when journal_lowered_count + journal_confirmed_count + journal_raised_count > 0
        then round(100.0 * (journal_lowered_count) / (journal_lowered_count + journal_confirmed_count + journal_raised_count), 2) end
        as pct_journal_lowered,
    case when journal_lowered_count + journal_confirmed_count + journal_raised_count > 0
        then round(100.0 * (journal_confirmed_count) / (journal_lowered_count + journal_confirmed_count + journal_raised_count), 2) end
        as pct_journal_confirmed,
    case when journal_lowered_count + journal_confirmed_count + journal_raised_count > 0
        then round(100.0 * (journal_raised_count) / (journal_lowered_count + journal_confirmed_count + journal_raised_count), 2) end
        as pct_journal_raised,
    result_source
from unioned;

create or replace table mart_school_scorecard as
with procedures as (
    select
        school_id, academic_year,
        case
            when assessment_code = 'vpr' and subject_code in ('rus', 'math') and grade between 4 and 8
                then 'vpr_' || subject_code
            when assessment_code = 'oge' and subject_code in ('rus', 'math') then 'oge_' || subject_code
            when assessment_code = 'ege' and subject_code = 'rus' then 'ege_rus'
            when assessment_code = 'ege' and subject_code in ('math_profile', 'math_base') then 'ege_math'
        end as procedure_code,
        participants_count,
        low_result_count,
        coalesce(mark4_count, 0) + coalesce(mark5_count, 0) as quality_count,
        coalesce(mark2_count, 0) + coalesce(mark3_count, 0) + coalesce(mark4_count, 0)
            + coalesce(mark5_count, 0) as marked_count,
        case when mean_measure_type = 'mean_mark' then result_sum end as mark_total,
        case when mean_measure_type = 'mean_test_score' then result_sum end as score_total,
        case when mean_measure_type = 'mean_test_score' then participants_count end as scored_count
    from fct_assessment_result
),
pooled as (
    select
        school_id, academic_year, procedure_code,
        sum(participants_count) as participants_count,
        case when sum(participants_count) > 0
            then round(100.0 * (sum(low_result_count)) / (sum(participants_count)), 2) end as pct_low,
        case when sum(marked_count) > 0
            then round(100.0 * (sum(quality_count)) / (sum(marked_count)), 2) end as pct_quality,
        case when sum(marked_count) > 0
            then round(1.0 * (sum(mark_total)) / (sum(marked_count)), 2) end as mean_mark,
        case when sum(scored_count) > 0
            then round(1.0 * (sum(score_total)) / (sum(scored_count)), 2) end as mean_score
    from procedures
    where procedure_code is not null
    group by all
),
school_years as (
    select md5(school_id || '|' || academic_year) as school_year_key,
           school_id, academic_year, school_short_name, municipality_name, school_type
    from school_snapshots
),
wide as (
    select
        sy.school_year_key, sy.school_id, sy.academic_year, sy.school_short_name,
        sy.municipality_name, sy.school_type,
        max(p.participants_count) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_pct_mark2,
        max(p.pct_quality) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_pct_quality,
        max(p.mean_mark) filter (where p.procedure_code = 'vpr_rus') as vpr_rus_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'vpr_math') as vpr_math_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'vpr_math') as vpr_math_pct_mark2,
        max(p.pct_quality) filter (where p.procedure_code = 'vpr_math') as vpr_math_pct_quality,
        max(p.mean_mark) filter (where p.procedure_code = 'vpr_math') as vpr_math_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'oge_rus') as oge_rus_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'oge_rus') as oge_rus_pct_mark2,
        max(p.mean_mark) filter (where p.procedure_code = 'oge_rus') as oge_rus_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'oge_math') as oge_math_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'oge_math') as oge_math_pct_mark2,
        max(p.mean_mark) filter (where p.procedure_code = 'oge_math') as oge_math_mean_mark,
        max(p.participants_count) filter (where p.procedure_code = 'ege_rus') as ege_rus_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'ege_rus') as ege_rus_pct_below_min,
        max(p.mean_score) filter (where p.procedure_code = 'ege_rus') as ege_rus_mean_score,
        max(p.participants_count) filter (where p.procedure_code = 'ege_math') as ege_math_participants_count,
        max(p.pct_low) filter (where p.procedure_code = 'ege_math') as ege_math_pct_below_min,
        max(p.mean_score) filter (where p.procedure_code = 'ege_math') as ege_math_profile_mean_score
    from school_years as sy
    left join pooled as p on p.school_id = sy.school_id and p.academic_year = sy.academic_year
    group by all
)
select
    cur.*,
    -- the marts round a change to the digits of its measures (the change() macro: 2)
    round(cur.vpr_rus_pct_mark2 - prev.vpr_rus_pct_mark2, 2) as vpr_rus_pct_mark2_change,
    round(cur.vpr_rus_mean_mark - prev.vpr_rus_mean_mark, 2) as vpr_rus_mean_mark_change,
    round(cur.vpr_math_pct_mark2 - prev.vpr_math_pct_mark2, 2) as vpr_math_pct_mark2_change,
    round(cur.vpr_math_mean_mark - prev.vpr_math_mean_mark, 2) as vpr_math_mean_mark_change,
    round(cur.oge_rus_pct_mark2 - prev.oge_rus_pct_mark2, 2) as oge_rus_pct_mark2_change,
    round(cur.oge_rus_mean_mark - prev.oge_rus_mean_mark, 2) as oge_rus_mean_mark_change,
    round(cur.oge_math_pct_mark2 - prev.oge_math_pct_mark2, 2) as oge_math_pct_mark2_change,
    round(cur.oge_math_mean_mark - prev.oge_math_mean_mark, 2) as oge_math_mean_mark_change,
    round(cur.ege_rus_pct_below_min - prev.ege_rus_pct_below_min, 2) as ege_rus_pct_below_min_change,
    round(cur.ege_rus_mean_score - prev.ege_rus_mean_score, 2) as ege_rus_mean_score_change,
    round(cur.ege_math_pct_below_min - prev.ege_math_pct_below_min, 2) as ege_math_pct_below_min_change,
    round(cur.ege_math_profile_mean_score - prev.ege_math_profile_mean_score, 2) as ege_math_profile_mean_score_change
from wide as cur
left join wide as prev
    on prev.school_id = cur.school_id and cur.academic_year = prev.academic_year + 1;

-- stage: publish
-- the published form (orchestration/publishing/reporting_file.py): measures of groups under $min_group pupils
-- blanked, the row kept and flagged
attach '__REPORTING__' as floor_reporting;
create schema floor_reporting.marts;

create table floor_reporting.marts.fct_assessment_result as
select
    * replace (
        case when coalesce(participants_count, 0) < $min_group then null else mark2_count end as mark2_count,
        case when coalesce(participants_count, 0) < $min_group then null else mark3_count end as mark3_count,
        case when coalesce(participants_count, 0) < $min_group then null else mark4_count end as mark4_count,
        case when coalesce(participants_count, 0) < $min_group then null else mark5_count end as mark5_count,
        case when coalesce(participants_count, 0) < $min_group then null else below_min_count end as below_min_count,
        case when coalesce(participants_count, 0) < $min_group then null else min_to_60_count end as min_to_60_count,
        case when coalesce(participants_count, 0) < $min_group then null else from_61_to_80_count end as from_61_to_80_count,
        case when coalesce(participants_count, 0) < $min_group then null else from_81_to_100_count end as from_81_to_100_count,
        case when coalesce(participants_count, 0) < $min_group then null else top_score_count end as top_score_count,
        case when coalesce(participants_count, 0) < $min_group then null else low_result_count end as low_result_count,
        case when coalesce(participants_count, 0) < $min_group then null else pct_low_result end as pct_low_result,
        case when coalesce(participants_count, 0) < $min_group then null else pct_passing end as pct_passing,
        case when coalesce(participants_count, 0) < $min_group then null else pct_quality end as pct_quality,
        case when coalesce(participants_count, 0) < $min_group then null else mean_value end as mean_value,
        case when coalesce(participants_count, 0) < $min_group then null else result_sum end as result_sum,
        case when coalesce(participants_count, 0) < $min_group then null else mean_primary_score end as mean_primary_score,
        case when coalesce(participants_count, 0) < $min_group then null else journal_lowered_count end as journal_lowered_count,
        case when coalesce(participants_count, 0) < $min_group then null else journal_confirmed_count end as journal_confirmed_count,
        case when coalesce(participants_count, 0) < $min_group then null else journal_raised_count end as journal_raised_count,
        case when coalesce(participants_count, 0) < $min_group then null else journal_compared_count end as journal_compared_count,
        case when coalesce(participants_count, 0) < $min_group then null else pct_journal_lowered end as pct_journal_lowered,
        case when coalesce(participants_count, 0) < $min_group then null else pct_journal_confirmed end as pct_journal_confirmed,
        case when coalesce(participants_count, 0) < $min_group then null else pct_journal_raised end as pct_journal_raised
    ),
    coalesce(participants_count, 0) between 1 and $min_group - 1 as is_small_group_suppressed
from fct_assessment_result;

create table floor_reporting.marts.mart_school_scorecard as
select
    * replace (
        case when coalesce(vpr_rus_participants_count, 0) < $min_group then null else vpr_rus_pct_mark2 end as vpr_rus_pct_mark2,
        case when coalesce(vpr_rus_participants_count, 0) < $min_group then null else vpr_rus_pct_quality end as vpr_rus_pct_quality,
        case when coalesce(vpr_rus_participants_count, 0) < $min_group then null else vpr_rus_mean_mark end as vpr_rus_mean_mark,
        case when coalesce(vpr_rus_participants_count, 0) < $min_group then null else vpr_rus_pct_mark2_change end as vpr_rus_pct_mark2_change,
        case when coalesce(vpr_rus_participants_count, 0) < $min_group then null else vpr_rus_mean_mark_change end as vpr_rus_mean_mark_change,
        case when coalesce(vpr_math_participants_count, 0) < $min_group then null else vpr_math_pct_mark2 end as vpr_math_pct_mark2,
        case when coalesce(vpr_math_participants_count, 0) < $min_group then null else vpr_math_pct_quality end as vpr_math_pct_quality,
        case when coalesce(vpr_math_participants_count, 0) < $min_group then null else vpr_math_mean_mark end as vpr_math_mean_mark,
        case when coalesce(vpr_math_participants_count, 0) < $min_group then null else vpr_math_pct_mark2_change end as vpr_math_pct_mark2_change,
        case when coalesce(vpr_math_participants_count, 0) < $min_group then null else vpr_math_mean_mark_change end as vpr_math_mean_mark_change,
        case when coalesce(oge_rus_participants_count, 0) < $min_group then null else oge_rus_pct_mark2 end as oge_rus_pct_mark2,
        case when coalesce(oge_rus_participants_count, 0) < $min_group then null else oge_rus_mean_mark end as oge_rus_mean_mark,
        case when coalesce(oge_rus_participants_count, 0) < $min_group then null else oge_rus_pct_mark2_change end as oge_rus_pct_mark2_change,
        case when coalesce(oge_rus_participants_count, 0) < $min_group then null else oge_rus_mean_mark_change end as oge_rus_mean_mark_change,
        case when coalesce(oge_math_participants_count, 0) < $min_group then null else oge_math_pct_mark2 end as oge_math_pct_mark2,
        case when coalesce(oge_math_participants_count, 0) < $min_group then null else oge_math_mean_mark end as oge_math_mean_mark,
        case when coalesce(oge_math_participants_count, 0) < $min_group then null else oge_math_pct_mark2_change end as oge_math_pct_mark2_change,
        case when coalesce(oge_math_participants_count, 0) < $min_group then null else oge_math_mean_mark_change end as oge_math_mean_mark_change,
        case when coalesce(ege_rus_participants_count, 0) < $min_group then null else ege_rus_pct_below_min end as ege_rus_pct_below_min,
        case when coalesce(ege_rus_participants_count, 0) < $min_group then null else ege_rus_mean_score end as ege_rus_mean_score,
        case when coalesce(ege_rus_participants_count, 0) < $min_group then null else ege_rus_pct_below_min_change end as ege_rus_pct_below_min_change,
        case when coalesce(ege_rus_participants_count, 0) < $min_group then null else ege_rus_mean_score_change end as ege_rus_mean_score_change,
        case when coalesce(ege_math_participants_count, 0) < $min_group then null else ege_math_pct_below_min end as ege_math_pct_below_min,
        case when coalesce(ege_math_participants_count, 0) < $min_group then null else ege_math_profile_mean_score end as ege_math_profile_mean_score,
        case when coalesce(ege_math_participants_count, 0) < $min_group then null else ege_math_pct_below_min_change end as ege_math_pct_below_min_change,
        case when coalesce(ege_math_participants_count, 0) < $min_group then null else ege_math_profile_mean_score_change end as ege_math_profile_mean_score_change
    ),
    coalesce(vpr_rus_participants_count, 0) between 1 and $min_group - 1
        or coalesce(vpr_math_participants_count, 0) between 1 and $min_group - 1
        or coalesce(oge_rus_participants_count, 0) between 1 and $min_group - 1
        or coalesce(oge_math_participants_count, 0) between 1 and $min_group - 1
        or coalesce(ege_rus_participants_count, 0) between 1 and $min_group - 1
        or coalesce(ege_math_participants_count, 0) between 1 and $min_group - 1
        as is_small_group_suppressed
from mart_school_scorecard;

detach floor_reporting;
