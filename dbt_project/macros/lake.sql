{#- The lake holds every version ingestion ever read; a (source, year) manifest says which file
    versions are current. Staging keeps only the rows of committed versions. -#}
{% macro committed_versions_only(source_name, alias='source') -%}
    exists (
        select 1
        from {{ source('lake', 'manifest') }} as m
        where
            m.source_name = '{{ source_name }}'
            and m.status = 'committed'
            and m.file_sha256 = {{ alias }}.file_sha256
            and m.batch_id = {{ alias }}.batch_id
    )
{%- endmacro %}
