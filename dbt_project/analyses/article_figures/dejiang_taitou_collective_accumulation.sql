select v.collective_accumulation * 10000
{{ taitou('fct_village_indicators') }}
