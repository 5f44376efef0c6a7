select v.practical_attendees
{{ taitou('fct_village_indicators') }}
