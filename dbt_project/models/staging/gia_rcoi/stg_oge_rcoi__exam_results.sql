{#- One row per pupil × exam of a committed ОГЭ export version (macros/rcoi.sql). -#}
{{ stg_rcoi_exam_results('oge_rcoi') }}
