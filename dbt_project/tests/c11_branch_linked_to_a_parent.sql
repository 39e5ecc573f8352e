{#- C11 (DOMAIN §9, warn): a branch (type Филиал, or a name beginning «Филиал») must name its
    parent school, and the parent must be a school of the registry that is not itself a branch. -#}
{{ config(severity='warn') }}

select
    b.school_id,
    b.school_short_name,
    b.parent_school_id
from {{ ref('dim_school') }} as b
left join {{ ref('dim_school') }} as p
    on b.parent_school_id = p.school_id
where
    (
        (b.school_type = 'Филиал' or b.school_full_name like 'Филиал%')
        and b.parent_school_id is null
    )
    or (b.parent_school_id is not null and (p.school_id is null or p.is_branch))
