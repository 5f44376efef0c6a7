select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.role = '社区工作者' and r.source_category = '一村一大'
  and extract(year from r.start_date) = 2024
