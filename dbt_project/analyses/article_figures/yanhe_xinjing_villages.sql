select count(*)
from {{ ref('fct_village_indicators') }} as v
join {{ ref('dim_org_unit') }} as t on t.org_unit_code = v.township_code
where v.county_code = '520627' and v.period = '2025' and t.org_unit_name = '新景镇'
