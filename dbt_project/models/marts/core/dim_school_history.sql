{#- SCD2 history of each school (school_id) from the successive registry snapshots, dated by
    the change list. One row per school version: a new version starts at the first snapshot
    whose tracked attributes (Код ОО, names, type, status, parent, successor, municipality)
    differ from the previous snapshot's. valid_from = the date of the change list's entry of
    that school and kind between the two snapshots (the latest one if several), else the as-of
    date of the snapshot showing it; valid_to = the next version's valid_from (exclusive), null
    for the current version. A snapshot year that does not list the school (a refused row) is
    not a change. -#}
with

snapshots as (
    select * from {{ ref('int_school_snapshots') }}
),

ordered as (
    select
        school_id,
        academic_year,
        registry_as_of_date,
        region_code,
        school_code_src,
        fisoko_login,
        school_full_name,
        school_short_name,
        school_type,
        registry_status,
        status_code,
        parent_school_id,
        successor_school_id,
        municipality_name,
        lag(academic_year) over w as previous_year,
        lag(registry_as_of_date) over w as previous_as_of_date,
        lag(school_code_src) over w as previous_code,
        lag(school_full_name) over w as previous_full_name,
        lag(school_short_name) over w as previous_short_name,
        lag(school_type) over w as previous_type,
        lag(status_code) over w as previous_status_code,
        lag(parent_school_id) over w as previous_parent_school_id,
        lag(municipality_name) over w as previous_municipality_name,
        lag(successor_school_id) over w as previous_successor_school_id
    from snapshots
    window w as (partition by school_id order by academic_year)
),

classified as (
    select
        *,
        case
            when previous_year is null then 'opened'
            when status_code = 'closed' and previous_status_code <> 'closed' then 'closure'
            when status_code = 'merged' and previous_status_code <> 'merged' then 'merger'
            when school_code_src <> previous_code then 'code_change'
            when school_type <> previous_type then 'type_change'
            when
                school_full_name <> previous_full_name
                or coalesce(school_short_name, '') <> coalesce(previous_short_name, '')
                then 'rename'
            when
                coalesce(parent_school_id, '') <> coalesce(previous_parent_school_id, '')
                then 'parent_change'
            when municipality_name <> previous_municipality_name then 'municipality_change'
            when status_code <> previous_status_code then 'status_change'
            when
                coalesce(successor_school_id, '') <> coalesce(previous_successor_school_id, '')
                then 'status_change'
        end as change_type
    from ordered
),

changes as (
    select * from {{ ref('stg_registry_changes__changes') }}
    where change_date is not null
),

change_schools as (
    {#- the change list names a school by its Код ОО before the change: any snapshot row of the
        region with that code gives its school_id -#}
    select distinct
        c.change_date,
        c.change_type,
        s.school_id
    from changes as c
    inner join snapshots as s
        on c.region_code = s.region_code and c.school_code_src = s.school_code_src
),

versions as (
    select
        v.*,
        coalesce(
            (
                select max(c.change_date)
                from change_schools as c
                where
                    c.school_id = v.school_id
                    and c.change_type = v.change_type
                    and c.change_date > v.previous_as_of_date
                    and c.change_date <= v.registry_as_of_date
            ),
            v.registry_as_of_date
        ) as valid_from,
        v.change_type <> 'opened'
        and exists (
            select 1 from change_schools as c
            where
                c.school_id = v.school_id
                and c.change_type = v.change_type
                and c.change_date > v.previous_as_of_date
                and c.change_date <= v.registry_as_of_date
        ) as is_dated_by_change_list
    from classified as v
    where v.change_type is not null
),

final as (
    select
        {{ surrogate_key(['school_id', 'academic_year']) }} as school_version_id,
        school_id,
        row_number() over (partition by school_id order by academic_year) as version_number,
        valid_from,
        lead(valid_from) over (partition by school_id order by academic_year) as valid_to,
        lead(valid_from) over (partition by school_id order by academic_year) is null
            as is_current,
        change_type,
        is_dated_by_change_list,
        academic_year as first_snapshot_year,
        region_code,
        school_code_src,
        fisoko_login,
        school_full_name,
        school_short_name,
        school_type,
        registry_status,
        status_code,
        status_code in ('closed', 'merged') as is_closed,
        parent_school_id,
        parent_school_id is not null as is_branch,
        successor_school_id,
        municipality_name,
        {{ surrogate_key(['region_code', 'municipality_name']) }} as municipality_id
    from versions
)

select * from final
