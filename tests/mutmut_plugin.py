"""A pytest plugin for mutation runs only: ``[tool.mutmut]`` in pyproject.toml loads it with
``-p tests.mutmut_plugin`` (see docs/mutation-testing.md). Outside a mutation run (no
``MUTANT_UNDER_TEST`` naming a mutant) it changes nothing but where the default store is built.

1. **Each module is tested by its own tests.** mutmut runs, for each mutant, every test that
   called the mutated function while it recorded coverage. The two national equivalence tests
   (``tests/core/test_delay_reasons_national.py`` and ``tests/core/test_outcomes_national.py``)
   run the per-area functions for every council, a minute or more per mutant; they are the
   tests of the two national modules and run only for mutants of those modules. Every other
   mutant must be caught by a test at its own level.
2. **The default store is built once.** mutmut runs each mutant's tests in a fresh pytest
   session, so the session fixture ``default_store_path`` (tests/conftest.py) would build the
   embedded default store again for every mutant (about 5 seconds). Here it is built once per
   ``mutants/`` folder and each session gets a copy. The copy is exactly what a fresh build
   gives for every mutant outside :mod:`lsr.core.comparators`: building the store calls no other
   mutated code. For a mutant of that module the store is built afresh, with the mutant.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

#: The store built once for a mutation run (``mutants/`` is the run's working folder).
CACHE = Path(__file__).resolve().parent.parent / ".mutmut-store" / "lsr.duckdb"
#: The web test database kept between the sessions of a mutation run.
TEST_DB = CACHE.parent / "web-test.sqlite3"
#: Mutants of this module change the store itself: no copy for them.
BUILDS_THE_STORE = "lsr.core.comparators."
#: Test files that run only for the mutants of their own module.
OWN_MODULE_ONLY: dict[str, str] = {
    "tests/core/test_delay_reasons_national.py": "lsr.core.delay_reasons_national.",
    "tests/core/test_outcomes_national.py": "lsr.core.outcomes_national.",
}
#: ``MUTANT_UNDER_TEST`` values that are mutmut's own phases, not a mutant.
_PHASES = frozenset({"", "stats", "fail", "mutant_generation", "list_all_tests"})


def _mutant() -> str:
    return os.environ.get("MUTANT_UNDER_TEST", "")


def _cached(original: Any) -> Any:
    def ensure_default_store(path: Path, *, progress: Any = None) -> bool:
        if _mutant().startswith(BUILDS_THE_STORE):
            return bool(original(path, progress=progress))
        if path.exists():
            return False
        if not CACHE.exists():
            original(CACHE, progress=progress)  # builds beside it, then renames: never partial
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CACHE, path)
        return True

    ensure_default_store._mutmut_cached = True  # type: ignore[attr-defined]
    return ensure_default_store


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    import lsr.data.default as default

    if not getattr(default.ensure_default_store, "_mutmut_cached", False):
        default.ensure_default_store = _cached(default.ensure_default_store)
    if _mutant() not in _PHASES:
        config.option.reuse_db = True


def pytest_collection_finish(session: pytest.Session) -> None:
    """In a mutant's session with web tests (Django set up by tests/web/conftest.py) on SQLite,
    the test database is the file :data:`TEST_DB`, migrated by the first session only."""
    if _mutant() in _PHASES or "django" not in sys.modules:
        return
    from django.conf import settings
    from django.db import connections

    if not settings.configured or connections["default"].vendor != "sqlite":
        return
    TEST_DB.parent.mkdir(parents=True, exist_ok=True)
    for db in (settings.DATABASES["default"], connections["default"].settings_dict):
        db.setdefault("TEST", {})["NAME"] = str(TEST_DB)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = _mutant()
    if mutant in _PHASES:
        return
    kept, dropped = [], []
    for item in items:
        owner = OWN_MODULE_ONLY.get(item.nodeid.split("::", 1)[0])
        (dropped if owner is not None and not mutant.startswith(owner) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    durations = _recorded_durations()
    items[:] = sorted(kept, key=lambda item: durations.get(item.nodeid, 0.0))


def _recorded_durations() -> dict[str, float]:
    """Test id -> seconds, as mutmut recorded them (run from ``mutants/``); empty if absent."""
    try:
        stats = json.loads(Path("mutmut-stats.json").read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in stats.get("duration_by_test", {}).items()}
