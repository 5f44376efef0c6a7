select count(distinct r.person_key)
from {{ ref('fct_cadre_roster') }} as r
where r.county_code = '520624' and r.period = '2025'
  and r.role = '乡村振兴专干'
