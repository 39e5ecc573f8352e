{#- One row per alias line of a committed version of an alias file (landing/school_aliases/):
    the municipality and the name as written, the Код ОО they name, and the academic year from
    which the alias holds (the one the file's title names). -#}
with

source as (
    select * from {{ source('school_aliases', 'aliases') }} as src
    where {{ committed_versions_only('school_aliases', 'src') }}
),

renamed as (
    select
        region_code,
        academic_year as valid_from_year,
        municipality_name,
        name_as_written,
        school_code as school_code_src,
        note,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
