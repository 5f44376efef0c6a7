select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.role = '社区工作者' and r.source_category = '公开招聘' and r.change_type = '新任'
  and r.start_date >= '2023-01-01'
