select count(distinct v.township_code)
from {{ ref('fct_village_indicators') }} as v
where v.county_code = '520624' and v.period = '2025'
