{#- One row per municipality of the registry with the key its name has in any grammatical case
    (municipality_name_key): what forms that name a territory in words are matched on. -#}
select
    municipality_id,
    region_code,
    municipality_name,
    {{ municipality_name_key('municipality_name') }} as municipality_key
from {{ ref('dim_municipality') }}
