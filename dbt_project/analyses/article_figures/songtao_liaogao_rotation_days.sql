{{ liaogao_workers() }}
select max(a.end_date - a.start_date + 1)
{{ liaogao_workers_training() }}
  and a.training_type = '轮岗锻炼'
