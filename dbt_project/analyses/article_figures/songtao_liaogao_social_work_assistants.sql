select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.role = '社区工作者' and r.certificates ~ '助理社会工作师'
