{#-
    The submission each county and period's rows of one sheet come from in this build: the
    selection of ingest/quality/approval.py (quality.selected_submissions()). That is the county-period's
    newest accepted file, unless it is held back (critical problems at ingest, a failed build
    or a failed audit, not yet corrected or released): then the submission published last, or
    none if the county-period never passed. A sheet held back whole also keeps the published
    version. During a night the selection is the one frozen for it, so a file arriving
    meanwhile waits for the next night.
-#}
{% macro current_submissions(sheet) %}
    select
        submission_id,
        county_code,
        period
    from quality.selected_submissions()
    where sheet = '{{ sheet }}' and submission_id is not null
{% endmacro %}
