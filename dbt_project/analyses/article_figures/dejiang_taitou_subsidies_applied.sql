select v.subsidies_applied
{{ taitou('fct_village_indicators') }}
