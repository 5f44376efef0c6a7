select sum(v.area_mu)
{{ taitou('fct_village_projects') }}
  and v.project_type = '自营土地' and v.land_use = '茶园'
