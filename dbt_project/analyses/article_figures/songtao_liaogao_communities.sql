select count(*)
from {{ ref('fct_village_indicators') }} as v
join {{ ref('dim_org_unit') }} as t on t.org_unit_code = v.township_code
where v.county_code = '520628' and v.period = '2025' and t.org_unit_name = '蓼皋街道' and v.unit_type = '社区'
