select s.lagging_townships - s.rectified_lagging_townships
from {{ ref('mart_county_period_summary') }} as s
where s.county_code = '520624' and s.period = '2025'
