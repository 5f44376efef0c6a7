{#-
    HMAC-SHA256 of a text column under the pseudonymisation key, as 64 hex digits.
    `key_relation` is the relation holding the key's pads (restricted.pseudonym_key), joined
    by the caller; the key itself never appears in SQL (see ingest/warehouse/pseudonym.py).
-#}
{% macro pseudonymise(column, key_relation) %}
    encode(
        sha256({{ key_relation }}.outer_pad || sha256({{ key_relation }}.inner_pad || convert_to({{ column }}, 'UTF8'))),
        'hex'
    )
{% endmacro %}
