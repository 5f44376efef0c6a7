{{ liaogao_workers() }}
select max(a.end_date - a.start_date + 1)
from {{ ref('fct_training_attendance') }} as a
where a.county_code = '520628' and a.period = '2025'
  and a.person_key in (select w.person_key from workers as w)
  and a.training_type = '轮岗锻炼'
