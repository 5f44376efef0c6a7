select v.villager_trainings
{{ taitou('fct_village_indicators') }}
