select v.villager_trainees
from {{ ref('fct_village_indicators') }} as v
join {{ ref('dim_org_unit') }} as u on u.org_unit_code = v.org_unit_code
where v.county_code = '520626' and v.period = '2025'
  and u.township_name = '平原镇' and u.org_unit_name = '台头村'
