select v.local_employment
{{ taitou('fct_village_indicators') }}
