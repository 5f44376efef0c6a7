"""Audit: run the Great Expectations suites on the candidate build and fail closed.

Two kinds of target are checked: the marts of the candidate build (``analytics_next``), and
the rows of each sheet the build is made from, against the rule set (``ingest/contract/rules.py``).
Every expectation's outcome is stored in ``quality.validation_result`` with the failing rows'
lineage keys (submission, sheet, row) and the checked columns' values; with the column layout
of each submission (``quality.source_column``) the view ``quality.failed_cells`` turns them
into cells. Each run also records completeness and timeliness (``quality.completeness``).

A critical failure is placed in the submissions whose rows fail (``ingest/quality/approval.py``):
on rows of a submission new tonight it holds that submission back (the night builds again
without it); on rows already published, or released by a steward, it is reported and
blocks nothing. A critical failure that cannot be placed in a county, or any error while
auditing, refuses the whole build.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

import psycopg
from psycopg import sql

from ingest.config import Settings
from ingest.quality import approval, completeness, gx_quickly, scope
from ingest.quality.audit_results import (
    MAX_KEYS_KEPT,
    apply_decisions,
    carried_result,
    check_identity,
    filed_column,
    merged_result,
    recorded_results,
    row_keys,
    split_checks,
)


class AuditFailed(RuntimeError):
    """A critical check failed on rows that would be published tonight: either they belong to
    submissions that can be held back (``outcome.to_hold``), or they cannot be placed in a
    county at all (``outcome.unattributed``, which refuses the night)."""

    def __init__(self, outcome: AuditOutcome):
        names = ", ".join(
            f"{f['suite']}:{(f['details'] or {}).get('rule_id') or f['expectation']}"
            for f in outcome.critical_failures
        )
        super().__init__(f"审核未通过，不予发布 / audit failed, not publishing: {names}")
        self.outcome = outcome


@dataclass
class AuditOutcome:
    run_id: str
    checked: int = 0
    failures: list[dict] = field(default_factory=list)

    @property
    def critical_failures(self) -> list[dict]:
        """Failed critical checks that block publishing the build as it is."""
        return [f for f in self.failures if f.get("blocks")]

    @property
    def to_hold(self) -> set[int]:
        """Tonight's submissions whose rows fail a critical check: hold them back, build again."""
        return {sid for f in self.critical_failures for sid in f["details"].get("hold") or ()}

    @property
    def unattributed(self) -> list[dict]:
        """Critical failures that cannot be placed in a county: they refuse the whole night."""
        return [f for f in self.critical_failures if not f["details"].get("hold")]

    @property
    def success(self) -> bool:
        return not self.critical_failures


def _columns(cfg) -> list[str]:
    """The columns a check is about: where its failures sit in the submitted sheet."""
    kw, meta = cfg.kwargs, cfg.meta or {}
    named = [kw.get("column"), kw.get("column_A"), kw.get("column_B"), *(kw.get("column_list") or [])]
    return list(dict.fromkeys([*(c for c in named if c), *meta.get("columns", [])]))


def _failing_keys(cfg, result: dict, target: Target) -> list[dict]:
    """The failing rows' lineage keys, with the values of the checked columns."""
    rows = (result.get("details") or {}).get("unexpected_rows")
    if rows:  # a validation rule (custom SQL): the failing rows themselves
        names = dict.fromkeys([*suites().key_columns(target.name), *_columns(cfg)])
        return [{k: row.get(k) for k in names} for row in rows[:MAX_KEYS_KEPT]]
    return (result.get("unexpected_index_list") or [])[:MAX_KEYS_KEPT]


def _row(suite: str, res, target: Target) -> dict:
    cfg = res.expectation_config
    meta = cfg.meta or {}
    result = res.result or {}
    keys = _failing_keys(cfg, result, target)
    return {
        "suite": suite,
        "expectation": cfg.type,
        "column": filed_column(cfg),
        "severity": meta.get("severity", "critical"),
        "success": bool(res.success),
        "unexpected_count": result.get("observed_value")
        if cfg.type == "unexpected_rows_expectation"
        else result.get("unexpected_count"),
        "details": {
            "explanation": meta.get("explanation"),
            "rule_id": meta.get("rule_id"),
            "columns": _columns(cfg),
            "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
            "observed_value": result.get("observed_value"),
            "failing_rows": keys,
            "exception": next(
                (i.get("exception_message") for i in _infos(res.exception_info) if i.get("raised_exception")),
                None,
            ),
        },
    }


def docs_dir(s: Settings) -> Path:
    """Where the latest audit's Great Expectations Data Docs are written."""
    return s.home / "report" / "gx"


@dataclass(frozen=True)
class Target:
    """What one suite checks: a mart of the candidate build, or a sheet's rows the build is
    made from (a rule target, whose rows are a query)."""

    name: str
    relation: sql.Composable
    suite: object
    is_mart: bool


def suites() -> ModuleType:
    """The suites the audit runs, found through the ``dangjian.audit`` entry point
    (pyproject.toml): ``expectations/`` provides ``mart_suites()``, ``rule_suites()``,
    ``rule_targets()`` and ``key_columns(table)``. The package never imports ``expectations``,
    which imports the package."""
    (point,) = entry_points(group="dangjian.audit", name="suites")
    return point.load()


def _targets(conn: psycopg.Connection, schema: str) -> list[Target]:
    from ingest.publish import relations

    catalogue = suites()
    present = {name for name, _kind in relations(conn, schema)}
    marts = [
        Target(table, sql.Identifier(schema, table), build(), True)
        for table, build in catalogue.mart_suites().items()
        if table in present
    ]
    rule_suites = catalogue.rule_suites()
    return marts + [
        Target(name, sql.SQL(query), rule_suites[name], False)
        for name, query in catalogue.rule_targets().items()
    ]


def audit(s: Settings, run_id: str, schema: str = "analytics_next", whole: bool = False) -> AuditOutcome:
    """Check the candidate build in ``schema``; record the results; raise AuditFailed when a
    critical failure blocks publishing it (see the module's docstring).

    Only what differs from the published build is checked again, and the published audit's
    results for the rest are carried over (ingest/quality/scope.py); ``whole`` checks everything.
    Auditing a run again replaces its results.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_quickly.convert_decimals_quickly()
    gx_quickly.render_pages_quickly()
    key_columns = suites().key_columns
    context = gx.get_context(mode="ephemeral")
    # An ephemeral context's configuration lives in memory: GX would copy all of it into an
    # in-memory store after each asset added, forty times an audit, for nobody to read.
    context._save_project_config = lambda: None
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        "steward",
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir(s)),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    source = context.data_sources.add_postgres(name="warehouse", connection_string=s.url("transformer"))
    outcome = AuditOutcome(run_id)
    rows: list[dict] = []
    conn = psycopg.connect(s.url("transformer"), autocommit=True)
    from ingest.publish import relations

    if not conn.execute(
        "select exists (select from quality.run_selection where run_id = %s)", (run_id,)
    ).fetchone()[0]:
        approval.freeze(conn, run_id)  # audited outside a night: what the build was made from now
    targets = _targets(conn, schema)
    checks = scope.suites_hash({t.name: t.suite for t in targets})
    by_county = scope.partitioned(conn, schema, {t.name: key_columns(t.name) for t in targets if t.is_mart})
    by_county |= {t.name for t in targets if not t.is_mart}
    prints = scope.fingerprints(conn, {t.name: t.relation for t in targets}, by_county)
    base = None if whole else scope.baseline(conn)
    scopes = scope.plan(base, checks, prints, by_county)
    before = recorded_results(conn, base.run_id) if base else {}
    changed = {t.name for t in targets if scopes.get(t.name, scope.WHOLE) != frozenset()}

    def validate(target: Target, name: str, expectations: list, batch: str | None) -> list:
        """Run ``expectations`` on the whole target, or on the rows the query ``batch`` selects.

        First for each check's verdict and counts; then only the checks that failed run again
        for every failing row's key. Most checks pass, and asking for the keys costs a query
        per check (a scan of the table) even when there are none."""
        if batch is None and target.is_mart:
            asset = source.add_table_asset(name=name, table_name=target.name, schema_name=schema)
        else:
            query = batch or sql.SQL("select * from {} as t").format(target.relation).as_string(conn)
            asset = source.add_query_asset(name=name, query=query)
        rows = asset.add_batch_definition_whole_table("all")

        def run(label: str, checks: list, result_format: dict) -> list:
            suite = context.suites.add(gx.ExpectationSuite(name=label, expectations=checks))
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{run_id}:{label}", data=rows, suite=suite)
            )
            return validation.run(result_format=result_format).results

        found = run(name, expectations, {"result_format": "SUMMARY", "partial_unexpected_count": 0})
        failed = [res.expectation_config.to_domain_obj() for res in found if not res.success]
        if not failed:
            return found
        for expectation in failed:
            expectation.id = None  # a check of the second suite
        detailed = run(
            f"{name}:failing-rows",
            failed,
            {
                "result_format": "COMPLETE",
                "unexpected_index_column_names": key_columns(target.name),
                "partial_unexpected_count": 20,
            },
        )
        return [res for res in found if res.success] + detailed

    for target in targets:
        suite = target.suite
        where = scopes.get(target.name, scope.WHOLE)
        on_whole, scoped, carried = split_checks(suite, where, changed - {target.name}, before)
        # (batch, results): None for the checks run on the whole target, else the query of the
        # changed counties' rows
        parts = [(None, validate(target, target.name, on_whole, None) if on_whole else [])]
        if scoped:
            batch = scope.county_filter(conn, target.relation, where)
            parts.append((batch, validate(target, f"{target.name}@{len(where)}", scoped, batch)))
        for batch, found in parts:
            for res in found:
                row = _row(suite.name, res, target)
                if res.exception_info and any(
                    (info or {}).get("raised_exception") for info in _infos(res.exception_info)
                ):
                    row["success"] = False
                    row["severity"] = "critical"  # an error while checking is never a pass
                elif batch is not None:  # the published audit's failures in other counties stand
                    row = merged_result(row, before[check_identity(row)][0], where, base.run_id)
                rows.append(row)
        rows.extend(carried_result(before[key][0], base.run_id) for key in carried)
    try:  # GX's own pages of this audit, linked from the steward's report
        context.build_data_docs(site_names=["steward"])
    except Exception as exc:  # pages are a convenience: their failure is no verdict on the data
        print(f"GX Data Docs not built: {type(exc).__name__}: {exc}")
    # every table of the candidate needs a suite: an unchecked table is never published
    for name, _kind in relations(conn, schema):
        if name not in suites().mart_suites():
            rows.append(
                {
                    "suite": "coverage",
                    "expectation": "suite_exists",
                    "column": None,
                    "severity": "critical",
                    "success": False,
                    "unexpected_count": None,
                    "details": {
                        "explanation": f"表 {name} 没有质量检查套件，不予发布 / table without a suite"
                    },
                }
            )
    outcome.checked = len(rows)
    outcome.failures = [r for r in rows if not r["success"]]
    apply_decisions(conn, outcome.failures)

    def failed_before(failure: dict, rows: list[dict]) -> bool:
        """Whether these failing rows failed the same check in the published build's audit."""
        prior = before.get(check_identity(failure), [])
        return len(prior) == 1 and row_keys(rows) <= row_keys(prior[0]["details"].get("failing_rows"))

    approval.attribute(conn, run_id, outcome.failures, {t.name: t.relation for t in targets}, failed_before)
    with conn, conn.cursor() as cur:
        cur.execute(
            "delete from quality.validation_result where run_id = %s and validation_result_id not in"
            " (select validation_result_id from quality.disposition where validation_result_id is not null)",
            (run_id,),
        )
        cur.executemany(
            "insert into quality.validation_result (run_id, suite, expectation, column_name,"
            " severity, success, unexpected_count, details, waived_by, blocks_publication)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    run_id,
                    r["suite"],
                    r["expectation"],
                    r["column"],
                    r["severity"],
                    r["success"],
                    r["unexpected_count"],
                    json.dumps(r["details"], ensure_ascii=False, default=str),
                    r.get("waived_by"),
                    bool(r.get("blocks")),
                )
                for r in rows
            ],
        )
        completeness.record(conn, run_id)
        scope.record(conn, run_id, checks, prints)
    if not outcome.success:
        raise AuditFailed(outcome)
    return outcome


def _infos(exception_info) -> list[dict]:
    if isinstance(exception_info, dict) and "raised_exception" in exception_info:
        return [exception_info]
    if isinstance(exception_info, dict):
        return [v for v in exception_info.values() if isinstance(v, dict)]
    return []
