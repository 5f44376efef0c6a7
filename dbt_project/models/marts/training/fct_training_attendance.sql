{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

attendance as (

    select * from {{ ref('int_training_attendance_pseudonymised') }}

),

roster as (

    select distinct
        county_code,
        period,
        person_key
    from {{ ref('int_cadre_roster_as_of') }}

),

final as (

    select
        attendance.attendance_id,
        attendance.county_code,
        attendance.period,
        attendance.training_class_key,
        attendance.class_id,
        attendance.training_type,
        attendance.organiser_level,
        attendance.start_date,
        attendance.end_date,
        attendance.hours,
        attendance.person_key,
        attendance.is_completed,
        roster.person_key is not null as is_in_roster,
        attendance.submission_id,
        attendance.source_sheet,
        attendance.source_row

    from attendance
    left join roster
        on
            attendance.county_code = roster.county_code
            and attendance.period = roster.period
            and attendance.person_key = roster.person_key

)

select * from final
