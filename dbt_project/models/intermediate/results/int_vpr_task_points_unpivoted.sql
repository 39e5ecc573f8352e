{#- One row per participant × task of a ВПР collection form (pupils who wrote; a task the form
    does not have, or marks "-", has no row): the points, the task's maximum and its level.
    The maximum and the level come from the vpr_task_levels seed (FIOKO task metadata) where it
    lists the task; otherwise the maximum is the most points any pupil of the region got for the
    task in that work and year (max_points_source = 'observed'), and the level is NULL.
    Standard SQL: the form's task columns are turned into rows by a cross join with the list
    of task codes (macros/vpr_forms.sql). Pupil level, internal. -#}
with

pupils as (
    select * from {{ ref('int_vpr_form_pupils_resolved') }}
    where not is_absent and school_id is not null and subject_code is not null
),

task_levels as (
    select * from {{ ref('vpr_task_levels') }}
),

task_codes as (
    {%- for task_code in vpr_form_task_codes() %}
        select '{{ task_code }}' as task_code
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

unpivoted as (
    select
        p.school_id,
        p.region_code,
        p.academic_year,
        p.subject_code,
        p.grade,
        p.participant_code,
        t.task_code,
        case t.task_code
            {%- for task_code in vpr_form_task_codes() %}
                when '{{ task_code }}' then p.{{ vpr_form_task_column(task_code) }}
            {%- endfor %}
        end as points
    from pupils as p
    cross join task_codes as t
),

present as (
    select
        *,
        max(points) over (
            partition by region_code, academic_year, subject_code, grade, task_code
        ) as observed_max_points
    from unpivoted
    where points is not null
),

final as (
    select
        p.school_id,
        p.region_code,
        p.academic_year,
        p.subject_code,
        p.grade,
        p.participant_code,
        p.task_code,
        p.points,
        coalesce(l.max_points, p.observed_max_points) as max_points,
        case when l.max_points is not null then 'task_metadata' else 'observed' end as max_points_source,
        l.task_level
    from present as p
    left join task_levels as l
        on
            p.academic_year = l.academic_year
            and p.subject_code = l.subject_code
            and p.grade = l.grade
            and p.task_code = l.task_code
)

select * from final
