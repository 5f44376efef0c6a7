{#-
    The current submission of each county and period for one sheet: the most recently
    modified accepted file whose sheet was not held back whole. A resubmission whose sheet
    was held back therefore leaves the earlier version of that sheet in place.
-#}
{% macro current_submissions(sheet) %}
    select distinct on (county_code, period)
        submission_id,
        county_code,
        period
    from {{ ref('stg_county_submissions__submissions') }}
    where
        status = 'accepted'
        and not ('{{ sheet }}' = any(held_back_sheets))
    order by county_code asc, period asc, file_modified_at desc nulls last, submission_id desc
{% endmacro %}
