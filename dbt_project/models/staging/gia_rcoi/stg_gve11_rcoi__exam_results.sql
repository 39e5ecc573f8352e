{#- One row per pupil × exam of a committed ГВЭ-11 export version (macros/rcoi.sql). -#}
{{ stg_rcoi_exam_results('gve11_rcoi') }}
