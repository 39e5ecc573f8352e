{#- Percent 0-100 of numerator over denominator, NULL when the denominator is 0 or NULL. -#}
{% macro pct(numerator, denominator, digits=none) -%}
    {%- set digits = digits if digits is not none else var('msoko:pct_digits') -%}
    case when {{ denominator }} > 0 then round(100.0 * ({{ numerator }}) / ({{ denominator }}), {{ digits }}) end
{%- endmacro %}

{#- Mean of a sum over a count, NULL when the count is 0. -#}
{% macro safe_mean(total, count, digits=2) -%}
    case when {{ count }} > 0 then round(1.0 * ({{ total }}) / ({{ count }}), {{ digits }}) end
{%- endmacro %}
