with

source as (
    select * from {{ source('registry', 'schools') }} as src
    where {{ committed_versions_only('registry', 'src') }}
),

renamed as (
    select
        region_code,
        school_code as school_code_src,
        fisoko_login,
        full_name as school_full_name,
        short_name as school_short_name,
        municipality_name,
        msu_code,
        -- an ОКТМО typed as a number lost its leading zero (8603000): 8 or 11 digits again
        case when length(oktmo) in (7, 10) then '0' || oktmo else oktmo end as oktmo,
        school_type,
        parent_school_code as parent_school_code_src,
        settlement_name,
        inn,
        kpp,
        ogrn,
        as_of_date as registry_as_of_date,
        academic_year,
        coalesce(lower(settlement_type) in ('село', 'сельская'), false) as is_rural,
        successor_school_code as successor_school_code_src,
        coalesce(status, 'действует') as registry_status,
        coalesce(lower(status), 'действует') in ('действует', 'действующая') as is_active,
        case
            when lower(status) like 'ликвидир%' or lower(status) like 'закрыт%' then 'closed'
            when lower(status) like 'реорганиз%' then 'merged'
            when lower(status) like 'приостановл%' then 'suspended'
            else 'active'
        end as status_code,
        source_file,
        source_sheet,
        source_row,
        file_sha256
    from source
)

select * from renamed
