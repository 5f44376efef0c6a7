"""Airflow's in-process Task Execution API for one version: the one this Airflow's task runner speaks.

``dag.test()`` serves the task runner from an in-process copy of Airflow's Task Execution API.
Airflow builds it with Cadwyn for every API version it has ever published (nine in 3.2),
converting each route's schemas version by version: about 2.6 s of CPU, a third of a night
that finds nothing new, paid by every ``dangjian nightly`` process. The task runner in the
same installation speaks the newest version only (``airflow.sdk.api.client.API_VERSION``), so
:func:`newest_only` builds the app for that version: the same routes and schemas (the newest
version *is* the head), without the older versions' conversions. Routes that exist only in
older versions (marked by Cadwyn's ``only_exists_in_older_versions``) are left out, as the
newest version leaves them out.

Only the local runner (``ingest.cli.local_airflow.run_dag``) uses it; the API server, the
scheduler and the Celery workers build the whole API as Airflow does. If this Airflow's task
runner speaks another version than the newest, nothing is changed.
"""

from __future__ import annotations

import contextlib
import functools


def newest_only() -> bool:
    """Make this process's in-process execution API serve only the newest version; returns
    whether it did (False: the task runner speaks another version, the full API is kept)."""
    import airflow.api_fastapi.execution_api.app as app_module
    from airflow.api_fastapi.execution_api import versions
    from airflow.sdk.api.client import API_VERSION

    newest = versions.bundle.versions[0].value
    if str(newest) != str(API_VERSION) or getattr(
        app_module.create_task_execution_api_app, "_newest_only", False
    ):
        return False
    build = app_module.create_task_execution_api_app

    @functools.wraps(build)
    def create(*args, **kwargs):
        with _newest_version(newest):
            return build(*args, **kwargs)

    create._newest_only = True  # type: ignore[attr-defined]
    app_module.create_task_execution_api_app = create
    return True


@contextlib.contextmanager
def _newest_version(newest: str):
    """While the app is built: a bundle of the head and the newest version, and the routes
    without those that exist only in older versions."""
    from airflow.api_fastapi.execution_api import routes, versions
    from cadwyn import HeadVersion, Version, VersionBundle
    from cadwyn.route_generation import _DELETED_ROUTE_TAG, copy_router

    bundle, router = versions.bundle, routes.execution_api_router
    newest_router = copy_router(router)
    newest_router.routes = [
        r for r in newest_router.routes if _DELETED_ROUTE_TAG not in getattr(r, "tags", ())
    ]
    versions.bundle = VersionBundle(HeadVersion(), Version(newest))
    routes.execution_api_router = newest_router
    try:
        yield
    finally:
        versions.bundle, routes.execution_api_router = bundle, router
