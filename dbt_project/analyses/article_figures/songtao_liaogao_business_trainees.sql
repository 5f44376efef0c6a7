{{ liaogao_workers() }}
select count(distinct a.person_key)
from {{ ref('fct_training_attendance') }} as a
where a.county_code = '520628' and a.period = '2025'
  and a.person_key in (select w.person_key from workers as w)
  and a.training_type = '业务培训' and a.start_date >= '2023-01-01'
