{#- One surrogate key macro for the project (no dbt_utils here): md5 over the '|'-joined
    text of the columns, NULL spelled '_null_'. md5 exists on DuckDB, Spark and Trino
    (Trino through the dispatched variant). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'msoko')(columns)) }}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    md5({%- for column in columns %}coalesce(cast({{ column }} as varchar), '_null_'){% if not loop.last %} || '|' || {% endif %}{%- endfor %})
{%- endmacro %}

{% macro trino__surrogate_key(columns) -%}
    lower(to_hex(md5(to_utf8({%- for column in columns %}coalesce(cast({{ column }} as varchar), '_null_'){% if not loop.last %} || '|' || {% endif %}{%- endfor %}))))
{%- endmacro %}

{#- DOMAIN §3.1 (C12): is an identifier well formed? Standard SQL; true for other identifier
    types. ИНН: 10 digits, (Σ weights 2,4,10,3,5,9,4,6,8 mod 11) mod 10 = the 10th digit;
    ОГРН: 13 digits, (int(first 12) mod 11) mod 10 = the 13th; КПП: 4 digits, 2 digits or
    capital Latin letters, 3 digits; ФИС ОКО login: sch + 6–8 digits; РЦОИ Код ОО: 4–8 digits. -#}
{% macro identifier_is_well_formed(type_column, value_column) -%}
    case {{ type_column }}
        when 'inn' then case when {{ regexp_full_match(value_column, '[0-9]{10}') }} then
            mod(mod(
                {%- for w in [2, 4, 10, 3, 5, 9, 4, 6, 8] %}
                {{ w }} * cast(substr({{ value_column }}, {{ loop.index }}, 1) as integer)
                {%- if not loop.last %} +{% endif %}
                {%- endfor %}, 11), 10) = cast(substr({{ value_column }}, 10, 1) as integer)
            else false end
        when 'ogrn' then case when {{ regexp_full_match(value_column, '[0-9]{13}') }} then
            mod(mod(cast(substr({{ value_column }}, 1, 12) as bigint), 11), 10)
            = cast(substr({{ value_column }}, 13, 1) as integer)
            else false end
        when 'kpp' then {{ regexp_full_match(value_column, '[0-9]{4}[0-9A-Z]{2}[0-9]{3}') }}
        when 'fisoko_login' then {{ regexp_full_match(value_column, 'sch[0-9]{6,8}') }}
        when 'rcoi_code' then {{ regexp_full_match(value_column, '[0-9]{4,8}') }}
        else true
    end
{%- endmacro %}

{#- DuckDB's full-match regular expression (dispatched so that another adapter can differ). -#}
{% macro regexp_full_match(value_column, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match')(value_column, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(value_column, pattern) -%}
    regexp_full_match({{ value_column }}, '{{ pattern }}')
{%- endmacro %}
