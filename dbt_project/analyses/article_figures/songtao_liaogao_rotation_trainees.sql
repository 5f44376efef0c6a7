{{ liaogao_workers() }}
select count(distinct a.person_key)
{{ liaogao_workers_training() }}
  and a.training_type = '轮岗锻炼'
