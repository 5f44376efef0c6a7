select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.honours ~ '先进个人'
