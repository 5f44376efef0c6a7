"""The nightly pipeline's Python package, one subpackage or module per stage (no orchestrator).

- ``contract/``: what a county's workbook holds (sheets, columns, code lists, the org-unit
  registry, ID numbers) and the rule set judged on it.
- ``workbook/``: reading a workbook cell by cell; the template a county fills in.
- ``load``: archiving a file by its sha256, registering it, loading its rows into ``raw``.
- ``warehouse/``: the embedded PostgreSQL, its schemas and roles, pseudonymisation, dbt.
- ``quality/``: the audit, its scope, approval county by county, the steward's decisions.
- ``night``, ``publish``: the night's second half, and swapping an audited build in.
- ``outputs/``: steward report, correction workbooks, the city's workbook, notifications.
- ``samples/``: sample submissions calibrated to the article, and planted defects.
- ``cli/``: the ``dangjian`` command and a local Airflow run.
- ``config``, ``variables``: every setting, declared once.

docs/architecture.md walks through the flow.
"""
