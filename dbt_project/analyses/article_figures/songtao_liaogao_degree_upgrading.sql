select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.role = '社区工作者' and r.is_degree_upgrading
  and r.degree_completed_date is not null
