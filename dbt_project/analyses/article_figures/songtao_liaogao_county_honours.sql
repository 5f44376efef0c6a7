select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.honours ~ '全县优秀党务工作者|全县优秀共产党员'
