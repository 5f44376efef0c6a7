"""The package's layout stays walkable: small modules, and every folder says what it holds."""

import ast

import pytest

from ingest.config import PROJECT_ROOT

#: At most this many lines a module (issue #18): past it, a module does more than one job.
MAX_LINES = 400
#: Modules allowed to be longer, and why.
LONGER = {
    "ingest/variables.py": "a declaration table: one entry per environment variable",
}
MODULES = sorted(
    path.relative_to(PROJECT_ROOT).as_posix()
    for folder in ("ingest", "expectations")
    for path in (PROJECT_ROOT / folder).rglob("*.py")
)


@pytest.mark.parametrize("module", MODULES)
def test_no_module_is_over_the_limit(module):
    lines = len((PROJECT_ROOT / module).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES or module in LONGER, (
        f"{module} has {lines} lines (at most {MAX_LINES}): split it"
    )


def test_the_exceptions_are_still_needed():
    for module in LONGER:
        assert len((PROJECT_ROOT / module).read_text(encoding="utf-8").splitlines()) > MAX_LINES, module


@pytest.mark.parametrize("module", MODULES)
def test_every_module_says_what_it_does(module):
    tree = ast.parse((PROJECT_ROOT / module).read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{module} has no docstring"


def test_the_slowest_modules_started_first_are_still_there():
    from tests.conftest import SLOWEST

    tests = PROJECT_ROOT / "tests"
    assert [name for name in SLOWEST if not (tests / name).is_file()] == []
