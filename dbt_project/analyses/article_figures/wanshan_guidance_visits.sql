select sum(e.guidance_visits)
from {{ ref('fct_enterprise_coverage') }} as e
where e.county_code = '520603' and e.period = '2025'
