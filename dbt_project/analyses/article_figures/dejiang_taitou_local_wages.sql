select v.local_wages
{{ taitou('fct_village_indicators') }}
