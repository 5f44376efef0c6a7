{#-
    What the article's figures about 德江县台头村 and 松桃县蓼皋街道 share (analyses/article_figures/): their
    queries read the published marts; ingest/seed_figures.py renders them for the docs and tests.
-#}

{#- 德江县平原镇台头村's rows of `model` in 2025, as `v` (its org unit as `u`): from … where. -#}
{% macro taitou(model) -%}
from {{ ref(model) }} as v
join {{ ref('dim_org_unit') }} as u on u.org_unit_code = v.org_unit_code
where v.county_code = '520626' and v.period = '2025'
  and u.township_name = '平原镇' and u.org_unit_name = '台头村'
{%- endmacro %}

{#-
    The periods the article's "since 2023" counts span: the sample has one submission each.
    A person counted once however many of them list their row (count distinct person_key).
-#}
{% macro since_2023() -%}
('2023', '2024', '2025')
{%- endmacro %}

{#- 蓼皋街道's rows of 松桃县's rosters since 2023, as `r` (and their org units as `u`): from … where. -#}
{% macro liaogao_roster() -%}
from {{ ref('fct_cadre_roster') }} as r
join {{ ref('dim_org_unit') }} as u on u.org_unit_code = r.org_unit_code
where r.county_code = '520628' and r.period in {{ since_2023() }} and u.township_name = '蓼皋街道'
{%- endmacro %}

{#- 蓼皋街道's community workers since 2023: the common table expression `workers` (person_key). -#}
{% macro liaogao_workers() -%}
with workers as (
  select r.person_key
  {{ liaogao_roster() | indent(2) }}
    and r.role = '社区工作者'
)
{%- endmacro %}

{#- Their training records since 2023, as `a`: from … where, after liaogao_workers(). -#}
{% macro liaogao_workers_training() -%}
from {{ ref('fct_training_attendance') }} as a
where a.county_code = '520628' and a.period in {{ since_2023() }}
  and a.person_key in (select w.person_key from workers as w)
{%- endmacro %}
