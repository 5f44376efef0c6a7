with

source as (

    select * from {{ source('county_submissions', 'submission') }}

),

final as (

    select
        submission_id,
        sha256 as file_sha256,
        file_name,
        county_code,
        period,
        status,
        status_reason,
        superseded_by as superseded_by_submission_id,
        reprocess_of as reprocess_of_submission_id,
        row_count,
        version,
        held_back_sheets,
        file_modified_at,
        received_at,
        status = 'accepted' and superseded_by is null as is_current

    from source

)

select * from final
