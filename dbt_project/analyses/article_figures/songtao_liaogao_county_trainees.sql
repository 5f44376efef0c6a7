{{ liaogao_workers() }}
select count(distinct a.person_key)
{{ liaogao_workers_training() }}
  and a.organiser_level = '县级' and a.start_date >= '2023-01-01'
