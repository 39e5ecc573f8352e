{#- Percent 0-100 of numerator over denominator, NULL when the denominator is 0 or NULL. -#}
{% macro pct(numerator, denominator, digits=none) -%}
    {%- set digits = digits if digits is not none else var('msoko:pct_digits') -%}
    case when {{ denominator }} > 0 then round(100.0 * ({{ numerator }}) / ({{ denominator }}), {{ digits }}) end
{%- endmacro %}

{#- Mean of a sum over a count, NULL when the count is 0. -#}
{% macro safe_mean(total, count, digits=2) -%}
    case when {{ count }} > 0 then round(1.0 * ({{ total }}) / ({{ count }}), {{ digits }}) end
{%- endmacro %}

{#- Wilson score interval's lower bound (0-100) of a share successes / n at z standard errors:
    how low the school's true share could plausibly be, given how few pupils it has. z = 0
    gives the observed share. Standard SQL (sqrt), NULL when n is 0. -#}
{% macro wilson_lower_pct(successes, n, z) -%}
    case when ({{ n }}) > 0 then 100.0 * (
        (1.0 * ({{ successes }}) / ({{ n }}) + ({{ z }}) * ({{ z }}) / (2.0 * ({{ n }}))
        - ({{ z }}) * sqrt(
            (1.0 * ({{ successes }}) / ({{ n }})) * (1.0 - 1.0 * ({{ successes }}) / ({{ n }})) / ({{ n }})
            + ({{ z }}) * ({{ z }}) / (4.0 * ({{ n }}) * ({{ n }}))
        ))
        / (1.0 + ({{ z }}) * ({{ z }}) / ({{ n }}))
    ) end
{%- endmacro %}

{#- A join condition picking, from a parameters seed keyed by academic_year_from, the row in
    force for the year: the latest academic_year_from at or before it. The seed is referred to
    as `parameters` in the calling model, as every model that uses one names it. -#}
{% macro parameters_in_force(parameters_alias, year, parameters_relation='parameters') -%}
    {{ parameters_alias }}.academic_year_from = (
        select max(p2.academic_year_from) from {{ parameters_relation }} as p2
        where p2.academic_year_from <= {{ year }}
    )
{%- endmacro %}

{#- The change of a published measure against another (this year − last year; reported −
    recomputed), rounded to the measure's own digits (msoko:pct_digits unless given): the
    difference of two rounded doubles carries float noise (3.2 − 0.5 = 2.7000000000000002)
    that must not reach a reader. The one rounding rule for every *_change and *_difference. -#}
{% macro change(current, previous, digits=none) -%}
    {%- set digits = digits if digits is not none else var('msoko:pct_digits') -%}
    round(({{ current }}) - ({{ previous }}), {{ digits }})
{%- endmacro %}

{#- A number written into a Russian text (a reason, evidence): the decimal comma, as the
    reports show every number (72.5 → «72,5»). For text columns only; measures stay numbers. -#}
{% macro ru_decimal(value) -%}
    replace(cast({{ value }} as varchar), '.', ',')
{%- endmacro %}
