select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.role = '社区工作者' and extract(year from r.start_date) = 2022
  and r.job_post = 2
