{{ config(indexes=[{'columns': ['county_code']}]) }}  {#- tonight's counties: macros/test_scope.sql -#}
with

enterprises as (

    select * from {{ ref('stg_county_submissions__enterprises') }}

),

final as (

    select distinct on (credit_code)
        credit_code,
        enterprise_name,
        org_type,
        county_code,
        township_code,
        industry,
        has_party_org,
        period as last_reported_period

    from enterprises
    order by credit_code asc, {{ period_end('period') }} desc, period desc, source_row asc

)

select * from final
