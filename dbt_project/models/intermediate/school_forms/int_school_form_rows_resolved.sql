{#- School monitoring form rows with the school resolved: by its РЦОИ Код ОО when the sheet has
    one, else by its ФИС ОКО login (both qualified by region). A row that neither names goes
    to the warehouse quarantine (int_unresolved_rows). One row per school × sheet. -#}
with

form_rows as (
    select * from {{ ref('stg_school_forms__school_form_rows') }}
),

identifiers as (
    select * from {{ ref('int_school_identifiers') }}
),

resolved as (
    select
        r.*,
        coalesce(c.school_id, l.school_id) as school_id
    from form_rows as r
    left join identifiers as c
        on
            c.id_type = 'rcoi_code'
            and r.region_code = c.region_code
            and r.school_code_src = c.id_value
    left join identifiers as l
        on
            l.id_type = 'fisoko_login'
            and r.school_code_src is null
            and r.region_code = l.region_code
            and r.fisoko_login = l.id_value
)

select * from resolved
