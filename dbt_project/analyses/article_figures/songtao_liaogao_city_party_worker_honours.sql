select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.honours ~ '全市优秀党务工作者'
