{#- Text matching used across models, DuckDB-only functions wrapped here so that another
    adapter (Spark, Trino) can dispatch its own spelling. -#}

{#- True when `value` matches the regular expression `pattern` anywhere. -#}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'msoko')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(value, pattern) -%}
    ({{ value }} rlike {{ pattern }})
{%- endmacro %}

{% macro trino__regex_matches(value, pattern) -%}
    regexp_like({{ value }}, {{ pattern }})
{%- endmacro %}

{#- A municipality's name in any grammatical case, as a key: the kind (район / округ / город)
    and the first five letters of every other word. "Амурского муниципального района" and
    "Амурский муниципальный район" both give "район:амурс"; "города Свободного" and "город
    Свободный" give "город:свобо". -#}
{% macro municipality_name_key(name) -%}
    case
        when {{ regex_matches('lower(' ~ name ~ ')', "'район'") }} then 'район'
        when {{ regex_matches('lower(' ~ name ~ ')', "'округ'") }} then 'округ'
        when {{ regex_matches('lower(' ~ name ~ ')', "'(^|\\s)(город|г\\.)'") }} then 'город'
        else ''
    end
    || ':'
    || trim(regexp_replace(
        regexp_replace(
            regexp_replace(
                replace(lower({{ name }}), 'ё', 'е'),
                '(муниципальн\S*|район\S*|округ\S*|город\S*|(^|\s)г\.)', ' ', 'g'
            ),
            '(\S{1,5})\S*', '\1', 'g'
        ),
        '\s+', ' ', 'g'
    ))
{%- endmacro %}


{#- A Jinja value as an SQL literal: NULL for none, a quoted string otherwise (quotes doubled).
    For models that write compile-time values (the project graph) into SQL. -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string) | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}
