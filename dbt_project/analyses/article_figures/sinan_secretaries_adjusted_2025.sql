select count(distinct r.person_key)
from {{ ref('fct_cadre_roster') }} as r
where r.county_code = '520624' and r.period = '2025'
  and r.role = '村（社区）党组织书记' and r.change_type = '调整'
  and extract(year from r.start_date) = 2025
