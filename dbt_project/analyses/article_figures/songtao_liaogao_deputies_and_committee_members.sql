select count(distinct r.person_key)
{{ liaogao_roster() }}
  and r.honours ~ '两代表一委员'
