{#- The identifier crosswalk (DOMAIN §3.1): one row per school × identifier type × value ×
    region, with the dates it was valid. Types: rcoi_code (РЦОИ Код ОО, unique only within the
    region), fisoko_login, inn, kpp, ogrn (a branch shares its parent's ИНН and ОГРН, not its
    КПП). valid_from: the as-of date of the first snapshot listing it, or the change list's date
    of a code change to it; valid_to (exclusive): the change list's date of a code change away
    from it, else the as-of date of the school's first snapshot that no longer lists it; null
    while the school's latest snapshot lists it. -#}
with

snapshots as (
    select * from {{ ref('int_school_snapshots') }}
),

identifiers as (
    select
        school_id,
        region_code,
        'rcoi_code' as identifier_type,
        school_code_src as identifier_value,
        academic_year,
        registry_as_of_date
    from snapshots
    union all
    select
        school_id,
        region_code,
        'fisoko_login' as identifier_type,
        fisoko_login as identifier_value,
        academic_year,
        registry_as_of_date
    from snapshots
    where fisoko_login is not null
    union all
    select
        school_id,
        region_code,
        'inn' as identifier_type,
        inn as identifier_value,
        academic_year,
        registry_as_of_date
    from snapshots
    where inn is not null
    union all
    select
        school_id,
        region_code,
        'kpp' as identifier_type,
        kpp as identifier_value,
        academic_year,
        registry_as_of_date
    from snapshots
    where kpp is not null
    union all
    select
        school_id,
        region_code,
        'ogrn' as identifier_type,
        ogrn as identifier_value,
        academic_year,
        registry_as_of_date
    from snapshots
    where ogrn is not null
),

spans as (
    select
        school_id,
        region_code,
        identifier_type,
        identifier_value,
        min(academic_year) as first_academic_year,
        max(academic_year) as last_academic_year,
        min(registry_as_of_date) as first_listed_on
    from identifiers
    group by school_id, region_code, identifier_type, identifier_value
),

school_snapshots as (
    select distinct
        school_id,
        academic_year,
        registry_as_of_date
    from snapshots
),

code_changes as (
    select
        region_code,
        school_code_src as old_code,
        new_value as new_code,
        min(change_date) as change_date
    from {{ ref('stg_registry_changes__changes') }}
    where change_type = 'code_change'
    group by region_code, school_code_src, new_value
),

dated as (
    select
        sp.*,
        (
            select min(d.registry_as_of_date)
            from school_snapshots as d
            where d.school_id = sp.school_id and d.academic_year > sp.last_academic_year
        ) as next_unlisted_on,
        (
            select min(c.change_date)
            from code_changes as c
            where
                sp.identifier_type = 'rcoi_code'
                and c.region_code = sp.region_code
                and c.new_code = sp.identifier_value
        ) as code_given_on,
        (
            select min(c.change_date)
            from code_changes as c
            where
                sp.identifier_type = 'rcoi_code'
                and c.region_code = sp.region_code
                and c.old_code = sp.identifier_value
        ) as code_taken_on
    from spans as sp
),

final as (
    select
        {{ surrogate_key(['school_id', 'identifier_type', 'identifier_value']) }} as school_identifier_key,
        school_id,
        identifier_type,
        identifier_value,
        region_code,
        coalesce(code_given_on, first_listed_on) as valid_from,
        coalesce(code_taken_on, next_unlisted_on) as valid_to,
        coalesce(code_taken_on, next_unlisted_on) is null as is_current,
        first_academic_year,
        last_academic_year,
        {{ identifier_is_well_formed('identifier_type', 'identifier_value') }} as is_well_formed,
        'registry' as identifier_source
    from dated
)

select * from final
