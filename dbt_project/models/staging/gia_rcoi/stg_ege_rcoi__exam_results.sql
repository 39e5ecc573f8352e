{#- One row per pupil × exam of a committed ЕГЭ export version (macros/rcoi.sql). -#}
{{ stg_rcoi_exam_results('ege_rcoi') }}
