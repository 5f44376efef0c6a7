select v.local_experts
{{ taitou('fct_village_indicators') }}
