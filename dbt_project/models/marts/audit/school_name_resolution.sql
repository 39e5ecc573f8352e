{#- One row per school name as a source wrote it, and how the warehouse read it: method (code,
    alias, name), status (resolved, ambiguous, unknown), the school, the candidates and the
    number of source rows. Ambiguous and unknown names' rows are in audit.quarantine. -#}
select
    r.region_code,
    r.academic_year,
    r.municipality_name_reported as municipality_name,
    r.school_name_reported as name_as_written,
    r.school_code_reported as school_code_as_written,
    r.method,
    r.resolution_status as status,
    r.school_id,
    s.school_short_name,
    r.candidates_count,
    r.candidates,
    r.reason,
    r.rows_count
from {{ ref('int_school_name_resolution') }} as r
left join {{ ref('int_school_years') }} as s
    on r.school_id = s.school_id and r.academic_year = s.academic_year
