{{ liaogao_workers() }}
select count(distinct a.person_key)
{{ liaogao_workers_training() }}
  and a.training_type = '业务培训' and a.start_date >= '2023-01-01'
