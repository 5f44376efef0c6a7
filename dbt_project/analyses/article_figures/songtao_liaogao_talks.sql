select sum(t.talks_held)
from {{ ref('fct_township_indicators') }} as t
where t.county_code = '520628' and t.period in {{ since_2023() }} and t.township_name = '蓼皋街道'
