with

training as (

    select * from {{ source('county_submissions', 'training') }}

),

submissions as (

    {{ current_submissions('training') }}

),

final as (

    select
        submissions.county_code,
        submissions.period,
        training.class_id,
        training.class_name,
        training.training_type,
        training.organiser_level,
        training.start_date,
        training.end_date,
        training.hours,
        training.id_number,
        training.name as person_name,
        training.is_completed,
        training.submission_id,
        training.sheet as source_sheet,
        training.source_row

    from training
    inner join submissions
        on training.submission_id = submissions.submission_id

)

select * from final
