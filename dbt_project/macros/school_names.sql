{#- Reading a school's name as people write it (DOMAIN §6.2; docs/sources/school-names.md):
    "СОШ №1 Славянка", "МБОУ СОШ № 1 пгт Славянка", "Филиал МКОУ СОШ № 1 с. Барабаш",
    "МАОУ СОШ №5 им. К.Н. Чубаровой г. Свободного". The same macros read the registry's short
    and full names, so both sides are compared in one form: {kind, number, is_branch, words}. -#}

{#- Lower case, ё→е, quotes and brackets as spaces, single spaces. -#}
{% macro school_name_text(name) -%}
    trim(regexp_replace(
        regexp_replace(replace(lower({{ name }}), 'ё', 'е'), '[«»"“”„()]', ' ', 'g'),
        '\s+', ' ', 'g'
    ))
{%- endmacro %}

{#- The text without the honoree ("им. К.Н. Чубаровой", "имени Героя … А.П. Маресьева"): from
    "им." / "имени" up to the settlement prefix that follows, or to the end. -#}
{% macro school_name_without_honoree(text) -%}
    regexp_replace(
        {{ text }},
        '(^|\s)(им\.|имени)\s.*?(\s(г|пгт|рп|с|п|д|пос|село|поселок|город)(\.\s?|\s)|$)',
        ' \3'
    )
{%- endmacro %}

{#- The kind of school the name says: sosh, oosh, nosh, gymnasium, lyceum, evening; NULL when
    the name does not say. -#}
{% macro school_name_kind(text) -%}
    case
        when {{ regex_matches(text, "'вечерн'") }} then 'evening'
        when {{ regex_matches(text, "'гимнази'") }} then 'gymnasium'
        when {{ regex_matches(text, "'лице[йя]'") }} then 'lyceum'
        when {{ regex_matches(text, "'(^|[^а-я])сош([^а-я]|$)|средн[а-я]* (общеобразовательн[а-я]* )?школ'") }}
            then 'sosh'
        when {{ regex_matches(text, "'(^|[^а-я])оош([^а-я]|$)|основн[а-я]* (общеобразовательн[а-я]* )?школ'") }}
            then 'oosh'
        when {{ regex_matches(text, "'(^|[^а-я])нош([^а-я]|$)|начальн[а-я]* (общеобразовательн[а-я]* )?школ'") }}
            then 'nosh'
    end
{%- endmacro %}

{#- The school's number: "№ 1", "№1", "N1", "N 1", "#1" → 1. -#}
{% macro school_name_number(text) -%}
    cast(nullif(regexp_extract({{ text }}, '(№|(^|\s)n|#)\s*(\d{1,3})', 3), '') as integer)
{%- endmacro %}

{#- A branch: "Филиал …", "… (филиал)". -#}
{% macro school_name_is_branch(text) -%}
    ({{ text }} like '%филиал%')
{%- endmacro %}

{#- The text without the territory it names as context, not identity: «Хасанского
    муниципального района», «Хасанский район», «Амурского муниципального округа», «Приморского
    края», «Амурской области» (registry full names end so: «…школа пгт Хасан Хасанского
    муниципального района»; compared word by word, «хасанского» made every school of the
    district fit «СОШ пгт Хасан»). A settlement («пгт Хасан», «г. Амурск») stays. -#}
{% macro school_name_without_territory(text) -%}
    regexp_replace(
        regexp_replace(
            {{ text }},
            '(^|\s)[а-я-]+ (муниципальн[а-я]* )?(район|района|районе|району|округ|округа|округе|округу)([^а-я]|$)',
            ' ', 'g'
        ),
        '(^|\s)[а-я-]+ (край|края|крае|краю|область|области|республика|республики|республике)([^а-я]|$)',
        ' ', 'g'
    )
{%- endmacro %}

{#- The remaining words (the settlement and anything unusual), space-separated: the territory
    and the honoree, numbers and punctuation removed. Words of one or two letters (г, с, п, д),
    stop words (school_name_is_stop_word) and the municipality's own name in any case form
    (int_school_name_resolution: «хасанского» in Хасанский округ, unless a settlement of the
    municipality is called so, as г. Амурск in Амурский район) are dropped per word by the
    caller. -#}
{% macro school_name_words(text) -%}
    trim(regexp_replace({{ school_name_without_honoree(school_name_without_territory(text)) }}, '[^а-яa-z]+', ' ', 'g'))
{%- endmacro %}

{#- Words that say the legal form, the kind, the settlement or territory type, not which
    school. -#}
{% macro school_name_is_stop_word(word) -%}
    {{ regex_matches(word, "'^([мгчн]?[бак]?н?оу|сош|оош|нош|пгт|рп|им|имени|филиал[а-я]*|школ[а-я]*|средн[а-я]*|основн[а-я]*|начальн[а-я]*|общеобразовательн[а-я]*|муниципальн[а-я]*|бюджетн[а-я]*|казенн[а-я]*|автономн[а-я]*|учреждени[а-я]*|государственн[а-я]*|гимнази[а-я]*|лице[йя][а-я]*|вечерн[а-я]*|сменн[а-я]*|село|поселок|поселка|город[а-я]*|деревн[а-я]*|район[а-я]*|округ[а-я]*|кра[йяею]|област[а-я]*|республик[а-я]*|образовани[а-я]*)$'") }}
{%- endmacro %}

{#- A word's comparable stem: the word without its case ending (word_stem): "г. Свободного"
    is "г. Свободный", "Славянки" is "Славянка", and "Хасан" is not "Хасанского" (fc70773
    compared the first five letters, and the village matched the district). -#}
{% macro school_name_stem(word) -%}
    {{ word_stem(word) }}
{%- endmacro %}

{#- One row per word of a space-separated text (DuckDB: unnest over string_split). -#}
{% macro split_words(text) -%}
    {{ return(adapter.dispatch('split_words', 'msoko')(text)) }}
{%- endmacro %}

{% macro default__split_words(text) -%}
    unnest(string_split({{ text }}, ' '))
{%- endmacro %}

{% macro spark__split_words(text) -%}
    explode(split({{ text }}, ' '))
{%- endmacro %}
