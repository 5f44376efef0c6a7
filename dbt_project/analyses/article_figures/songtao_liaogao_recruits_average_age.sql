-- the age on 2025-12-31 is 2025 minus the year of birth
with recruits as (
  select distinct r.person_key
  {{ liaogao_roster() | indent(2) }}
    and r.role = '社区工作者' and r.source_category = '公开招聘' and r.change_type = '新任'
    and r.start_date >= '2023-01-01'
)
select round(avg(2025 - p.birth_year))
from recruits as c
join {{ ref('dim_person') }} as p on p.person_key = c.person_key
