select v.observation_visits
{{ taitou('fct_village_indicators') }}
