{#- One row per dated registry change of the committed change-list versions, the kind of change
    mapped to a code by the registry_change_types seed (unmapped kinds: change_type null). -#}
with

source as (
    select * from {{ source('registry_changes', 'changes') }} as src
    where {{ committed_versions_only('registry_changes', 'src') }}
),

kinds as (
    select * from {{ ref('registry_change_types') }}
),

renamed as (
    select
        s.region_code,
        s.academic_year,
        s.change_date,
        s.school_code as school_code_src,
        s.fisoko_login,
        s.change_kind,
        k.change_type,
        s.old_value,
        s.new_value,
        s.basis,
        s.source_file,
        s.source_sheet,
        s.source_row,
        s.file_sha256
    from source as s
    left join kinds as k
        on lower(trim(s.change_kind)) = k.change_kind_key
)

select * from renamed
