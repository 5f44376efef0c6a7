select s.social_organisations_covered
from {{ ref('mart_county_period_summary') }} as s
where s.county_code = '520603' and s.period = '2025'
