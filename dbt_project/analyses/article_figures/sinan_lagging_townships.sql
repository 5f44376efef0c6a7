select count(*)
from {{ ref('fct_township_indicators') }} as t
where t.county_code = '520624' and t.period = '2025' and t.is_lagging
