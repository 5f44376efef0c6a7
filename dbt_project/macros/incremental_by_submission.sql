{#-
    For incremental models keyed on county and period (delete+insert on both).

    withdrawn_rows_removed(staging_model): a pre-hook that deletes the rows of submissions no
    longer current for that sheet, even if the successor brought no rows for it.
    changed_submissions_only(alias): the filter keeping only rows of county-periods whose
    current submission is not yet in the table.
-#}
{% macro withdrawn_rows_removed(staging_model) %}
    {% if is_incremental() %}
        delete from {{ this }}
        where submission_id not in (select distinct submission_id from {{ ref(staging_model) }})
    {% endif %}
{% endmacro %}

{% macro changed_submissions_only(alias) %}
    {% if is_incremental() %}
        {#- A set difference of the few (county, period, submission) keys, not a per-row
            NOT EXISTS: right after ingest the tables have no statistics yet, and the planner
            chose a nested loop over both whole tables for that (15 s for 2,000 rows). -#}
        where ({{ alias }}.county_code, {{ alias }}.period, {{ alias }}.submission_id) in (
            select county_code, period, submission_id from {{ alias }}
            except
            select county_code, period, submission_id from {{ this }}
        )
    {% endif %}
{% endmacro %}
