{#- One row per pupil × exam of a committed ГВЭ-9 export version (macros/rcoi.sql). -#}
{{ stg_rcoi_exam_results('gve9_rcoi') }}
