select count(*)
from (
  select r.person_key
  {{ liaogao_roster() | indent(2) }}
  group by r.person_key
  having bool_or(r.role = '社区工作者')
    and bool_or(r.role = '两委委员' and r.start_date >= '2023-01-01')
) as promoted
