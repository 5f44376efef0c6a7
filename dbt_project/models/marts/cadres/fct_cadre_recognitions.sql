{#- One row per honour (荣誉) or certificate (职业资格证书) a roster row names, with the year
    the county wrote beside it: “先进个人（2024）；两代表一委员（2023）”. An item without a year
    keeps a null year (submissions before the template asked for it). -#}
{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

roster as (

    select * from {{ ref('int_cadre_roster_as_of') }}

),

listed as (

    select roster.*, 'honour' as recognition_kind, roster.honours as listing
    from roster
    where roster.honours is not null

    union all

    select roster.*, 'certificate' as recognition_kind, roster.certificates as listing
    from roster
    where roster.certificates is not null

),

items as (

    select
        listed.*,
        trim(item.text) as item,
        item.position
    from listed
    cross join lateral
        regexp_split_to_table(listed.listing, '[；;]') with ordinality as item (text, position)
    where trim(item.text) <> ''

),

final as (

    select
        md5(roster_id || '|' || recognition_kind || '|' || position) as recognition_id,
        roster_id,
        county_code,
        period,
        person_key,
        role,
        org_unit_code,
        recognition_kind,
        trim(regexp_replace(item, '\s*[（(]\s*\d{4}\s*年?\s*[)）]\s*$', '')) as recognition,
        (regexp_match(item, '[（(]\s*(\d{4})\s*年?\s*[)）]\s*$'))[1]::integer as recognition_year,
        submission_id,
        source_sheet,
        source_row

    from items

)

select * from final
