"""The local runner's in-process Task Execution API: the newest version only, the same as Airflow's."""

from __future__ import annotations

import json
import subprocess
import sys

from ingest.config import PROJECT_ROOT

#: Builds Airflow's whole in-process app and then the newest-only one, in a fresh process (the
#: switch changes the process), and prints each one's newest version: every route with its
#: methods, request body schema and response schema.
PROBE = """
import json
import airflow.api_fastapi.execution_api.app as app_module
from airflow.api_fastapi.execution_api.versions import bundle
from airflow.sdk.api.client import API_VERSION
from ingest.cli import execution_api

def describe(app):
    app._cadwyn_initialize()  # what its first request does
    newest = bundle.versions[0].value
    routes = {}
    for r in app.router.versioned_routers[newest].routes:
        body = r.body_field.field_info.annotation if getattr(r, "body_field", None) else None
        response = getattr(r, "response_model", None)
        schema = lambda m: getattr(m, "model_json_schema", lambda: repr(m))() if m else None
        routes[f"{sorted(r.methods or ())} {r.path}"] = [r.name, schema(body), schema(response)]
    return {"versions": sorted(str(v) for v in app.router.versioned_routers), "routes": routes}

whole = describe(app_module.create_task_execution_api_app())
switched = execution_api.newest_only()
newest = describe(app_module.create_task_execution_api_app())
print(json.dumps({"api_version": str(API_VERSION), "switched": switched, "again": execution_api.newest_only(),
                  "whole": whole, "newest": newest}, default=str))
"""


def test_the_newest_only_api_serves_the_newest_version_as_airflows_whole_api_does(settings, tmp_path):
    from ingest.cli.local_airflow import airflow_env

    env = {**airflow_env(settings), "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["switched"] and not found["again"]  # switched once; a second call changes nothing
    whole, newest = found["whole"], found["newest"]
    assert len(whole["versions"]) > 1 and newest["versions"] == [found["api_version"]]
    assert found["api_version"] == max(whole["versions"])  # the version the task runner speaks
    assert newest["routes"] == whole["routes"] and len(newest["routes"]) > 20
