{#- One row per school name as written (int_school_names_written) with the registry school it
    names, resolved with the registry of that academic year (int_school_years), in this order:

    1. code: the row's Код ОО, when given (an unknown code is not guessed from the name);
    2. alias_file: an alias file the user put into landing/school_aliases/ (stg_school_aliases
       __aliases: municipality, name as written, Код ОО, from the academic year its title
       names); it wins over the seed;
    3. alias: the school_name_aliases seed (region, municipality, name as written);
    4. name: within the municipality, the registry schools whose short or full name reads as
       the same {kind, number, is_branch} (school_names macros) and holds every remaining word
       of the written name. Territory words are context, not identity: the territory phrases
       («Хасанского муниципального района», «Приморского края») and the municipality's own name
       in any case form are dropped on both sides (unless a settlement of the municipality is
       called so), words are compared without their case endings (word_stem). A missing kind
       or number in the written name does not exclude a school.

    status: resolved (exactly one school), ambiguous (several: all listed in candidates; an
    error, listed in audit.school_name_errors and a warn test), unknown (none). Only resolved
    names reach the facts; the others go to the quarantine (int_unresolved_rows) with the
    reason and the candidates. -#}
with

written as (
    select
        *,
        {{ surrogate_key(['region_code', 'academic_year', 'municipality_name_reported', 'school_name_reported', 'school_code_reported']) }}
            as name_id,
        {{ school_name_text('school_name_reported') }} as name_text,
        {{ municipality_name_key('municipality_name_reported') }} as municipality_key
    from {{ ref('int_school_names_written') }}
),

written_parts as (
    select
        *,
        {{ school_name_kind('name_text') }} as name_kind,
        {{ school_name_number('name_text') }} as name_number,
        {{ school_name_is_branch('name_text') }} as name_is_branch,
        {{ school_name_words('name_text') }} as name_words
    from written
),

registry as (
    select
        school_id,
        academic_year,
        region_code,
        school_code_src,
        school_short_name,
        school_full_name,
        settlement_name,
        parent_school_id,
        {{ municipality_name_key('municipality_name') }} as municipality_key,
        {{ school_name_text('school_short_name') }} as short_text,
        {{ school_name_text('school_full_name') }} as full_text
    from {{ ref('int_school_years') }}
),

-- the municipality's own name (its words without the kind: «хасанск» of «Хасанский
-- муниципальный округ») is context; kept where a settlement of the municipality is called so
-- («амурск» of Амурский район is г. Амурск)
municipality_stems as (
    select distinct
        municipality_key,
        {{ school_name_stem('word') }} as stem
    from (
        select
            {{ municipality_name_key('municipality_name') }} as municipality_key,
            {{ split_words(words_text('municipality_name')) }} as word
        from (select distinct municipality_name from {{ ref('int_school_years') }}) as m
    ) as w
    where length(word) >= 3 and not {{ school_name_is_stop_word('word') }}
),

settlement_stems as (
    select distinct
        municipality_key,
        {{ school_name_stem('word') }} as stem
    from (
        select
            municipality_key,
            {{ split_words(words_text('settlement_name')) }} as word
        from registry
        where settlement_name is not null
    ) as w
    where length(word) >= 3
),

territory_stems as (
    select m.*
    from municipality_stems as m
    where not exists (
        select 1 from settlement_stems as s
        where s.municipality_key = m.municipality_key and s.stem = m.stem
    )
),

registry_parts as (
    select
        *,
        coalesce({{ school_name_kind('short_text') }}, {{ school_name_kind('full_text') }}) as school_kind,
        coalesce({{ school_name_number('short_text') }}, {{ school_name_number('full_text') }}) as school_number,
        parent_school_id is not null or {{ school_name_is_branch('short_text') }} as school_is_branch
    from registry
),

written_words as (
    select distinct
        w.name_id,
        {{ school_name_stem('w.word') }} as stem
    from (
        select
            name_id,
            municipality_key,
            {{ split_words('name_words') }} as word
        from written_parts
    ) as w
    where
        length(w.word) >= 3 and not {{ school_name_is_stop_word('w.word') }}
        and not exists (
            select 1 from territory_stems as t
            where t.municipality_key = w.municipality_key and t.stem = {{ school_name_stem('w.word') }}
        )
),

registry_words as (
    select distinct
        w.school_id,
        w.academic_year,
        {{ school_name_stem('w.word') }} as stem
    from (
        select
            school_id,
            academic_year,
            municipality_key,
            {{ split_words(school_name_words("short_text || ' ' || coalesce(full_text, '') || ' ' || coalesce(" ~ school_name_text('settlement_name') ~ ", '')")) }} as word
        from registry_parts
    ) as w
    where
        length(w.word) >= 3 and not {{ school_name_is_stop_word('w.word') }}
        and not exists (
            select 1 from territory_stems as t
            where t.municipality_key = w.municipality_key and t.stem = {{ school_name_stem('w.word') }}
        )
),

by_code as (
    select
        w.name_id,
        r.school_id
    from written_parts as w
    inner join registry_parts as r
        on
            w.region_code = r.region_code
            and w.academic_year = r.academic_year
            and w.school_code_reported = r.school_code_src
),

-- an alias file in the landing folder (from the academic year its title names) wins over the
-- school_name_aliases seed for the same region, municipality and name
aliases as (
    select
        cast(a.region_code as varchar) as region_code,
        {{ municipality_name_key('a.municipality_name') }} as municipality_key,
        {{ school_name_text('a.name_as_written') }} as name_text,
        cast(a.region_code as varchar) || '-' || cast(a.school_code_src as varchar) as school_id,
        a.valid_from_year,
        'alias_file' as alias_method,
        1 as alias_priority
    from {{ ref('stg_school_aliases__aliases') }} as a
    union all
    select
        cast(a.region_code as varchar) as region_code,
        {{ municipality_name_key('a.municipality_name') }} as municipality_key,
        {{ school_name_text('a.name_as_written') }} as name_text,
        cast(a.region_code as varchar) || '-' || cast(a.school_code_src as varchar) as school_id,
        cast(null as integer) as valid_from_year,
        'alias' as alias_method,
        2 as alias_priority
    from {{ ref('school_name_aliases') }} as a
),

alias_matches as (
    select
        w.name_id,
        a.school_id,
        a.alias_method,
        a.alias_priority,
        min(a.alias_priority) over (partition by w.name_id) as best_priority
    from written_parts as w
    inner join aliases as a
        on
            w.region_code = a.region_code
            and w.municipality_key = a.municipality_key
            and w.name_text = a.name_text
            and (a.valid_from_year is null or w.academic_year >= a.valid_from_year)
),

alias_choice as (
    select distinct
        name_id,
        alias_method,
        school_id
    from alias_matches
    where alias_priority = best_priority
),

by_alias as (
    select
        w.name_id,
        r.school_id
    from written_parts as w
    inner join alias_choice as a on w.name_id = a.name_id
    inner join registry_parts as r
        on a.school_id = r.school_id and w.academic_year = r.academic_year
),

by_name as (
    select
        w.name_id,
        r.school_id
    from written_parts as w
    inner join registry_parts as r
        on
            w.region_code = r.region_code
            and w.academic_year = r.academic_year
            and w.municipality_key = r.municipality_key
            and (w.name_kind is null or w.name_kind = r.school_kind)
            and (w.name_number is null or w.name_number = r.school_number)
            and w.name_is_branch = r.school_is_branch
    where not exists (
        select 1
        from written_words as ww
        where
            ww.name_id = w.name_id
            and not exists (
                select 1
                from registry_words as rw
                where
                    rw.school_id = r.school_id
                    and rw.academic_year = r.academic_year
                    and rw.stem = ww.stem
            )
    )
),

matches as (
    select
        w.name_id,
        case
            when w.school_code_reported is not null then 'code'
            else coalesce((
                select min(a.alias_method) from alias_choice as a
                where a.name_id = w.name_id
            ), 'name')
        end as method
    from written_parts as w
),

candidates as (
    select
        m.name_id,
        m.method,
        c.school_id
    from matches as m
    inner join by_code as c on m.name_id = c.name_id and m.method = 'code'
    union all
    select
        m.name_id,
        m.method,
        a.school_id
    from matches as m
    inner join by_alias as a on m.name_id = a.name_id and m.method in ('alias', 'alias_file')
    union all
    select
        m.name_id,
        m.method,
        n.school_id
    from matches as m
    inner join by_name as n on m.name_id = n.name_id and m.method = 'name'
),

candidate_lists as (
    select
        c.name_id,
        count(distinct c.school_id) as candidates_count,
        min(c.school_id) as only_school_id,
        string_agg(
            distinct r.school_code_src || ' ' || r.school_short_name, '; '
            order by r.school_code_src || ' ' || r.school_short_name
        ) as candidates
    from candidates as c
    inner join registry_parts as r
        on c.school_id = r.school_id
    inner join written_parts as w
        on c.name_id = w.name_id and r.academic_year = w.academic_year
    group by c.name_id
),

final as (
    select
        w.name_id,
        w.region_code,
        w.academic_year,
        w.municipality_name_reported,
        w.school_name_reported,
        w.school_code_reported,
        w.rows_count,
        m.method,
        case
            when coalesce(l.candidates_count, 0) = 1 then 'resolved'
            when l.candidates_count > 1 then 'ambiguous'
            else 'unknown'
        end as resolution_status,
        case when l.candidates_count = 1 then l.only_school_id end as school_id,
        coalesce(l.candidates_count, 0) as candidates_count,
        l.candidates,
        w.name_kind,
        w.name_number,
        w.name_is_branch,
        case
            when l.candidates_count = 1 then null
            when m.method = 'code'
                then
                    'unknown school: no registry snapshot of region ' || w.region_code
                    || ' for ' || cast(w.academic_year as varchar) || ' lists this Код ОО'
            when l.candidates_count > 1
                then
                    'ambiguous school name: ' || cast(l.candidates_count as varchar)
                    || ' registry schools of the municipality fit (' || l.candidates
                    || '); name the school in an alias file in landing/school_aliases/'
            when m.method in ('alias', 'alias_file')
                then
                    'unknown school: the ' || case when m.method = 'alias' then 'school_name_aliases seed' else 'alias file' end
                    || ' names a Код ОО that the registry of ' || cast(w.academic_year as varchar) || ' does not list'
            else
                'unknown school name: no registry school of the municipality «'
                || coalesce(w.municipality_name_reported, '?')
                || '» fits; name the school in an alias file in landing/school_aliases/'
        end as reason
    from written_parts as w
    inner join matches as m on w.name_id = m.name_id
    left join candidate_lists as l on w.name_id = l.name_id
)

select * from final
