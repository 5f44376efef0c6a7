select t.problems_solved
from {{ ref('fct_township_indicators') }} as t
where t.county_code = '520628' and t.period = '2025' and t.township_name = '蓼皋街道'
