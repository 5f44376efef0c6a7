select count(distinct r.person_key)
from {{ ref('fct_cadre_roster') }} as r
where r.county_code = '520624' and r.period = '2025'
  and r.role = '后备力量' and r.change_type = '调整'
