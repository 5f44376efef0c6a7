"""city_summary_export: the city organisation department's summary workbook, after every publish.

Scheduled on the ``marts`` Asset that county_submissions_nightly and reprocess_period emit
when they publish: each new build is followed by a fresh ``汇总_<date>.xlsx`` in
``<DANGJIAN_HOME>/exports`` (every county's key indicators per period with a city total, a
chart of the strong-economy share by county, and the city's trend), read as the ``analyst``
role from the published marts only.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from dangjian_airflow import DAG_DEFAULTS, MARTS, settings


@dag(
    dag_id="city_summary_export",
    description="每次发布后生成全市党建统计汇总工作簿（含图表）",
    schedule=[MARTS],
    **DAG_DEFAULTS,
    tags=["dangjian", "export", "downstream"],
    doc_md=__doc__,
)
def city_summary_export():
    @task
    def export(ds_nodash: str | None = None) -> str:
        from ingest.outputs.city_export import write

        s = settings("analyst")
        return str(write(s, s.home / "exports" / f"汇总_{ds_nodash}.xlsx"))

    export()


city_summary_export()
