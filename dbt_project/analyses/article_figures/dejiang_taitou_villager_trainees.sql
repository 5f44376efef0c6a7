select v.villager_trainees
{{ taitou('fct_village_indicators') }}
