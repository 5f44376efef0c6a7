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
        where not exists (
            select 1
            from {{ this }} as loaded
            where
                loaded.county_code = {{ alias }}.county_code
                and loaded.period = {{ alias }}.period
                and loaded.submission_id = {{ alias }}.submission_id
        )
    {% endif %}
{% endmacro %}
