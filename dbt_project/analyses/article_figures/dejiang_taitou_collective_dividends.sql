select v.collective_dividends
{{ taitou('fct_village_indicators') }}
