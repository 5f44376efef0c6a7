with

townships as (

    select * from {{ source('county_submissions', 'townships') }}

),

submissions as (

    {{ current_submissions('townships') }}

),

final as (

    select
        submissions.county_code,
        submissions.period,
        townships.township_code,
        townships.township_name,
        townships.party_org_rating,
        townships.supervision_groups,
        townships.supervision_rounds,
        townships.problems_solved,
        townships.suggestions_made,
        townships.talks_held,
        townships.grievances_resolved,
        townships.backbone_members_developed,
        townships.submission_id,
        townships.sheet as source_sheet,
        townships.source_row,
        coalesce(townships.is_rectified, false) as is_rectified

    from townships
    inner join submissions
        on townships.submission_id = submissions.submission_id

)

select * from final
