select count(distinct r.rank_class)
from {{ ref('fct_cadre_roster') }} as r
where r.county_code = '520624' and r.period = '2025'
