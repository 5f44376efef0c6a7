select count(*)
{{ taitou('fct_village_projects') }}
  and v.project_type = '对外投资'
