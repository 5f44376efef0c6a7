select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.role = '社区工作者' and r.is_early_promotion
  and r.promotion_date >= date '2023-01-01'
