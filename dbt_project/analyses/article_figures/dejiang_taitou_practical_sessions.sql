select v.practical_sessions
{{ taitou('fct_village_indicators') }}
