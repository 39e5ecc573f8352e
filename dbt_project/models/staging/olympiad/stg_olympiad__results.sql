{#- One row per participant of a committed olympiad protocol version. The status as written
    («Победитель», «Призер», «призёр», «участник») becomes winner / prize_winner / participant;
    the municipality is the row's column, else the protocol's title line. -#}
with

source as (
    select * from {{ source('olympiad', 'olympiad_results') }} as src
    where {{ committed_versions_only('olympiad', 'src') }}
),

renamed as (
    select
        academic_year,
        region_code,
        stage,
        subject_title as subject_name_reported,
        subject_key,
        coalesce(municipality_name, title_municipality_name) as municipality_name_reported,
        school_name as school_name_reported,
        school_code as school_code_reported,
        person_key,
        class_label,
        grade,
        status as status_reported,
        case
            when {{ regex_matches("replace(lower(status), 'ё', 'е')", "'^победител'") }} then 'winner'
            when {{ regex_matches("replace(lower(status), 'ё', 'е')", "'^призер'") }} then 'prize_winner'
            when {{ regex_matches("replace(lower(status), 'ё', 'е')", "'^участник'") }} then 'participant'
        end as olympiad_status,
        score,
        max_score,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
