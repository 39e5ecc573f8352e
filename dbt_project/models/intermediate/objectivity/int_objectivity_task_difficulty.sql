{{ config(materialized='table') }}{#- several models and tests read it: computed once -#}
{#- One row per school × academic year × ВПР subject × grade with a pupil-level collection form:
    the marker M3 (inverted difficulty profile, DOMAIN §4.3, derived). The work's tasks are
    split into basic and hard ones — by the vpr_task_levels seed (FIOKO task metadata) when it
    gives the level of every task of the work, otherwise the top third of the tasks by the
    completion rate of the OTHER schools of the region with forms (basic) and the bottom third
    (hard), so the school's own answers never shape its reference. delta_basic_pp /
    delta_hard_pp = the school's completion (points / maximum, pupils pooled) minus the other
    schools' in percentage points. M3 when delta_basic_pp < 0, delta_hard_pp > t_inv and the
    inversion (delta_hard_pp − delta_basic_pp) is beyond noise: at least significance_z standard
    errors of the school's mean per-pupil difference (hard − basic completion). m3_status says
    why a form is not evaluated (the flag is then NULL): too_few_participants (fewer than
    min_form_participants pupils with points), too_few_schools_with_forms (fewer than
    min_form_schools other schools sent forms for the work), no_task_points, too_few_tasks. -#}
with

parameters as (
    select * from {{ ref('objectivity_parameters') }}
),

forms as (
    select
        school_id,
        region_code,
        academic_year,
        subject_code,
        grade
    from {{ ref('int_vpr_form_pupils_resolved') }}
    where not is_absent and school_id is not null and subject_code is not null
    group by school_id, region_code, academic_year, subject_code, grade
),

points as (
    select * from {{ ref('int_vpr_task_points_unpivoted') }}
),

school_tasks as (
    select
        school_id,
        region_code,
        academic_year,
        subject_code,
        grade,
        task_code,
        max(task_level) as task_level,
        sum(points) as points_sum,
        sum(max_points) as possible_sum
    from points
    group by school_id, region_code, academic_year, subject_code, grade, task_code
),

region_tasks as (
    select
        region_code,
        academic_year,
        subject_code,
        grade,
        task_code,
        sum(points_sum) as region_points_sum,
        sum(possible_sum) as region_possible_sum
    from school_tasks
    group by region_code, academic_year, subject_code, grade, task_code
),

school_works as (
    select
        school_id,
        region_code,
        academic_year,
        subject_code,
        grade,
        count(distinct participant_code) as form_participants_count
    from points
    group by school_id, region_code, academic_year, subject_code, grade
),

region_works as (
    select
        region_code,
        academic_year,
        subject_code,
        grade,
        count(*) as schools_with_forms_count
    from school_works
    group by region_code, academic_year, subject_code, grade
),

-- the other schools' points on each task: the region's minus the school's own
others as (
    select
        s.*,
        r.region_points_sum - s.points_sum as others_points_sum,
        r.region_possible_sum - s.possible_sum as others_possible_sum
    from school_tasks as s
    inner join region_tasks as r
        on
            s.region_code = r.region_code
            and s.academic_year = r.academic_year
            and s.subject_code = r.subject_code
            and s.grade = r.grade
            and s.task_code = r.task_code
    where r.region_possible_sum - s.possible_sum > 0 and s.possible_sum > 0
),

ranked as (
    select
        *,
        count(*) over work as tasks_count,
        count(task_level) over work as tasks_with_level_count,
        row_number() over (
            partition by school_id, academic_year, subject_code, grade
            order by 1.0 * others_points_sum / others_possible_sum, task_code
        ) as difficulty_rank
    from others
    window work as (partition by school_id, academic_year, subject_code, grade)
),

grouped as (
    select
        *,
        case
            when tasks_with_level_count = tasks_count
                then case task_level when 'basic' then 'basic' when 'high' then 'hard' end
            when 3 * difficulty_rank <= tasks_count then 'hard'
            when 3 * (tasks_count - difficulty_rank + 1) <= tasks_count then 'basic'
        end as task_group,
        case when tasks_with_level_count = tasks_count then 'task_metadata' else 'regional_completion' end
            as task_grouping
    from ranked
),

group_totals as (
    select
        school_id,
        academic_year,
        subject_code,
        grade,
        max(task_grouping) as task_grouping,
        max(tasks_count) as tasks_count,
        count(*) filter (where task_group = 'basic') as basic_tasks_count,
        count(*) filter (where task_group = 'hard') as hard_tasks_count,
        sum(case when task_group = 'basic' then points_sum end) as basic_points_sum,
        sum(case when task_group = 'basic' then possible_sum end) as basic_possible_sum,
        sum(case when task_group = 'basic' then others_points_sum end) as others_basic_points_sum,
        sum(case when task_group = 'basic' then others_possible_sum end) as others_basic_possible_sum,
        sum(case when task_group = 'hard' then points_sum end) as hard_points_sum,
        sum(case when task_group = 'hard' then possible_sum end) as hard_possible_sum,
        sum(case when task_group = 'hard' then others_points_sum end) as others_hard_points_sum,
        sum(case when task_group = 'hard' then others_possible_sum end) as others_hard_possible_sum
    from grouped
    group by school_id, academic_year, subject_code, grade
),

-- each pupil's completion of the basic and of the hard tasks: the spread of their difference
-- gives the standard error of the school's inversion
pupil_groups as (
    select
        p.school_id,
        p.academic_year,
        p.subject_code,
        p.grade,
        p.participant_code,
        1.0 * sum(case when g.task_group = 'basic' then p.points end)
        / nullif(sum(case when g.task_group = 'basic' then p.max_points end), 0) as basic_done,
        1.0 * sum(case when g.task_group = 'hard' then p.points end)
        / nullif(sum(case when g.task_group = 'hard' then p.max_points end), 0) as hard_done
    from points as p
    inner join grouped as g
        on
            p.school_id = g.school_id
            and p.academic_year = g.academic_year
            and p.subject_code = g.subject_code
            and p.grade = g.grade
            and p.task_code = g.task_code
    where g.task_group is not null
    group by p.school_id, p.academic_year, p.subject_code, p.grade, p.participant_code
),

pupil_spread as (
    select
        school_id,
        academic_year,
        subject_code,
        grade,
        count(*) as pupils_compared_count,
        stddev_samp(hard_done - basic_done) as inversion_sd
    from pupil_groups
    where basic_done is not null and hard_done is not null
    group by school_id, academic_year, subject_code, grade
),

measured as (
    select
        f.school_id,
        f.region_code,
        f.academic_year,
        f.subject_code,
        f.grade,
        coalesce(w.form_participants_count, 0) as form_participants_count,
        coalesce(r.schools_with_forms_count, 0) - case when w.school_id is null then 0 else 1 end
            as other_schools_with_forms_count,
        g.task_grouping,
        g.tasks_count,
        g.basic_tasks_count,
        g.hard_tasks_count,
        100.0 * g.basic_points_sum / nullif(g.basic_possible_sum, 0) as pct_basic_done,
        100.0 * g.others_basic_points_sum / nullif(g.others_basic_possible_sum, 0) as others_pct_basic_done,
        100.0 * g.hard_points_sum / nullif(g.hard_possible_sum, 0) as pct_hard_done,
        100.0 * g.others_hard_points_sum / nullif(g.others_hard_possible_sum, 0) as others_pct_hard_done,
        100.0 * s.inversion_sd / sqrt(s.pupils_compared_count) as inversion_standard_error_pp,
        p.min_form_participants,
        p.min_form_schools,
        p.t_inv,
        p.significance_z
    from forms as f
    inner join parameters as p
        on {{ parameters_in_force('p', 'f.academic_year') }}
    left join school_works as w
        on
            f.school_id = w.school_id
            and f.academic_year = w.academic_year
            and f.subject_code = w.subject_code
            and f.grade = w.grade
    left join region_works as r
        on
            f.region_code = r.region_code
            and f.academic_year = r.academic_year
            and f.subject_code = r.subject_code
            and f.grade = r.grade
    left join group_totals as g
        on
            f.school_id = g.school_id
            and f.academic_year = g.academic_year
            and f.subject_code = g.subject_code
            and f.grade = g.grade
    left join pupil_spread as s
        on
            f.school_id = s.school_id
            and f.academic_year = s.academic_year
            and f.subject_code = s.subject_code
            and f.grade = s.grade
),

judged as (
    select
        *,
        pct_basic_done - others_pct_basic_done as delta_basic_pp,
        pct_hard_done - others_pct_hard_done as delta_hard_pp,
        case
            when form_participants_count = 0 then 'no_task_points'
            when form_participants_count < min_form_participants then 'too_few_participants'
            when other_schools_with_forms_count < min_form_schools then 'too_few_schools_with_forms'
            when coalesce(basic_tasks_count, 0) = 0 or coalesce(hard_tasks_count, 0) = 0 then 'too_few_tasks'
            else 'evaluated'
        end as m3_status
    from measured
),

final as (
    select
        school_id,
        region_code,
        academic_year,
        subject_code,
        grade,
        m3_status,
        form_participants_count,
        other_schools_with_forms_count,
        task_grouping,
        tasks_count,
        basic_tasks_count,
        hard_tasks_count,
        round(pct_basic_done, 2) as pct_basic_done,
        round(others_pct_basic_done, 2) as others_pct_basic_done,
        round(delta_basic_pp, 2) as delta_basic_pp,
        round(pct_hard_done, 2) as pct_hard_done,
        round(others_pct_hard_done, 2) as others_pct_hard_done,
        round(delta_hard_pp, 2) as delta_hard_pp,
        round(delta_hard_pp - delta_basic_pp, 2) as inversion_pp,
        round(inversion_standard_error_pp, 2) as inversion_standard_error_pp,
        case
            when m3_status = 'evaluated'
                then
                    delta_basic_pp < 0
                    and delta_hard_pp > t_inv
                    and delta_hard_pp - delta_basic_pp >= significance_z * coalesce(inversion_standard_error_pp, 0)
        end as is_m3_inverted_difficulty
    from judged
)

select * from final
