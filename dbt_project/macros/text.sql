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


{#- How many decimals a number was printed with: "86,5" → 1, "91,27 %" → 2, "47" → 0. -#}
{% macro printed_decimals(text) -%}
    {{ return(adapter.dispatch('printed_decimals', 'msoko')(text)) }}
{%- endmacro %}

{% macro default__printed_decimals(text) -%}
    length(regexp_extract({{ text }}, '[.,](\d+)', 1))
{%- endmacro %}

{#- A Russian word without its case ending, for comparing words in any grammatical case:
    "хасанского" → "хасанск", "свободного" / "свободный" → "свободн", "славянки" → "славянк",
    "хасан" stays "хасан" (a settlement is not the district's adjective). Words of four letters
    or fewer are kept whole. -#}
{% macro word_stem(word) -%}
    case
        when length({{ word }}) > 4
            then regexp_replace(
                {{ word }},
                '(ами|ями|ого|его|ому|ему|ыми|ими|ых|их|ой|ей|ый|ий|ая|яя|ое|ее|ые|ие|ом|ем|ую|юю|ов|ев|ах|ях|ам|ям|а|я|о|е|и|ы|у|ю|ь)$',
                ''
            )
        else {{ word }}
    end
{%- endmacro %}

{#- Lower case, ё → е, every run of characters other than letters and digits as one space. -#}
{% macro words_text(text) -%}
    trim(regexp_replace(replace(lower({{ text }}), 'ё', 'е'), '[^а-яa-z0-9]+', ' ', 'g'))
{%- endmacro %}
