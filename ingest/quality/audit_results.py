"""The audit's results as records: what makes two results the same check, a run's results read
back, the published results carried over or merged with a check run on some counties only
(``scope.py`` decides which), and the steward's waivers and acknowledgements applied.
"""

from __future__ import annotations

import psycopg

from ingest.quality import scope

#: How many failing rows' keys are kept per expectation (the count is always exact).
MAX_KEYS_KEPT = 500


def filed_column(cfg) -> str | None:
    """The column a check's result is filed under (with suite, type and rule: its identity)."""
    return cfg.kwargs.get("column") or cfg.kwargs.get("column_A") or (cfg.meta or {}).get("column")


def check_identity(row: dict) -> tuple:
    """What makes two results the same check: suite, expectation, column and rule."""
    return (row["suite"], row["expectation"], row["column"], (row["details"] or {}).get("rule_id"))


def recorded_results(conn: psycopg.Connection, run_id: str) -> dict[tuple, list[dict]]:
    """A run's recorded results, by identity; ``counties`` holds the county of each kept
    failing row (looked up once for the whole run)."""
    found: dict[tuple, list[dict]] = {}
    for suite, expectation, column, severity, success, count, details in conn.execute(
        "select suite, expectation, column_name, severity, success, unexpected_count, details"
        " from quality.validation_result where run_id = %s and suite <> 'coverage'",
        (run_id,),
    ):
        row = {
            "suite": suite,
            "expectation": expectation,
            "column": column,
            "severity": severity,
            "success": success,
            "unexpected_count": count,
            "details": details or {},
        }
        found.setdefault(check_identity(row), []).append(row)
    results = [row for rows in found.values() for row in rows]
    counties = iter(scope.county_of(conn, [r for row in results for r in kept_rows(row)]))
    for row in results:
        row["counties"] = [next(counties) for _ in kept_rows(row)]
    return found


def kept_rows(row: dict) -> list[dict]:
    """A recorded result's failing rows, as far as they were kept (MAX_KEYS_KEPT)."""
    return row["details"].get("failing_rows") or []


def splittable(prior: dict) -> bool:
    """Whether a published result can be split by county: it ran, and each of its failing rows
    is kept and can be placed in a county."""
    count = prior["unexpected_count"]
    if prior["details"].get("exception") or (
        not prior["success"] and (count is None or len(kept_rows(prior)) < count)
    ):
        return False
    return None not in prior["counties"]


def split_checks(suite, where, changed_elsewhere: set[str], before: dict):
    """Which of a suite's checks run on the whole table, which on the rows of the changed
    counties ``where``, and whose published results are carried over unchanged (see
    ingest/quality/scope.py)."""
    if where is scope.WHOLE:
        return list(suite.expectations), [], []
    whole, scoped, carried = [], [], []
    for e in suite.expectations:
        cfg = e.configuration
        key = (suite.name, cfg.type, filed_column(cfg), (cfg.meta or {}).get("rule_id"))
        prior = before.get(key, [])
        if len(prior) != 1 or scope.reads(cfg) & changed_elsewhere or not splittable(prior[0]):
            whole.append(e)
        elif not where:
            carried.append(key)
        elif scope.across_counties(cfg):
            whole.append(e)
        else:
            scoped.append(e)
    return whole, scoped, carried


def merged_result(row: dict, prior: dict, counties: frozenset[str], base_run: str) -> dict:
    """A check run on the changed counties' rows, with the published failures elsewhere."""
    kept = [r for r, c in zip(kept_rows(prior), prior["counties"], strict=True) if c not in counties]
    if kept:
        row["success"] = False
        row["unexpected_count"] = (row["unexpected_count"] or 0) + len(kept)
        row["details"]["failing_rows"] = [*(row["details"]["failing_rows"] or []), *kept][:MAX_KEYS_KEPT]
    row["details"]["scope"] = {"counties": sorted(counties), "carried_from": base_run}
    return row


def carried_result(prior: dict, base_run: str) -> dict:
    """A published result carried over: none of the rows it checked changed."""
    details = {k: v for k, v in prior["details"].items() if k != "waived_by"}
    recorded = {k: v for k, v in prior.items() if k != "counties"}
    return {**recorded, "details": {**details, "scope": {"carried_from": base_run}}}


def row_keys(failing_rows: list[dict]) -> set[tuple]:
    return {tuple(sorted((k, str(v)) for k, v in r.items())) for r in failing_rows or []}


def apply_decisions(conn: psycopg.Connection, failures: list[dict]) -> None:
    """Mark failures a steward has decided on: the same check failing on rows that were all
    part of a waived (or acknowledged) result, same submission, sheet and row. A waiver lets
    the check pass; an acknowledgement leaves it failing but releases the county (it no longer
    holds anything back). New failing rows are not covered."""
    decided = conn.execute(
        "select d.disposition_id, d.action, v.suite, v.expectation, v.column_name, v.details"
        " from quality.disposition d join quality.validation_result v using (validation_result_id)"
        " where d.action in ('waive', 'acknowledge') order by d.action = 'waive' desc, d.disposition_id"
    ).fetchall()
    for failure in failures:
        rows = failure["details"].get("failing_rows") or []
        complete = failure["unexpected_count"] is not None and len(rows) >= failure["unexpected_count"]
        if not rows or not complete:
            continue  # only what can be shown to be covered is waived
        for disposition_id, action, suite, expectation, column, details in decided:
            same = check_identity(failure) == (suite, expectation, column, (details or {}).get("rule_id"))
            if same and row_keys(rows) <= row_keys((details or {}).get("failing_rows")):
                key = "waived_by" if action == "waive" else "acknowledged_by"
                failure[key] = failure["details"][key] = disposition_id
                break
