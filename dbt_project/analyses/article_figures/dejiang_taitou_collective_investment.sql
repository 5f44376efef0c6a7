select v.collective_investment
{{ taitou('fct_village_indicators') }}
