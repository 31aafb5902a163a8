"""Django set-up for the web tests only (the rest of the suite does not use Django).

The settings module is chosen here, before Django is imported, with a temporary data folder;
set ``LSR_WEB_DATABASE_URL=postgresql://...`` to run these tests on PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_DATA = Path(tempfile.mkdtemp(prefix="lsr-web-tests-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "lsr.web.settings"
os.environ.setdefault("LSR_WEB_DATA_DIR", str(_DATA))
os.environ.setdefault("LSR_WEB_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")

import django  # noqa: E402

django.setup()


@pytest.fixture(scope="session")
def web_store_path(default_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web tests' own copy of the default store: seeding the demo writes its SYNTHETIC
    winter of daily data there (lsr.web.plan.demo_winter), never into the session's default
    store that the other tests read."""
    import shutil

    path = tmp_path_factory.mktemp("web-store") / "lsr.duckdb"
    shutil.copyfile(default_store_path, path)
    return path


@pytest.fixture(autouse=True)
def _web_settings(settings: Any, tmp_path: Path, web_store_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LSR_DB = str(web_store_path)
    # Fast hashing in tests only; the real setting (Argon2 first) is checked in a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Cached page content is keyed by the data revision, which each test's rolled-back
    # transaction takes back to the same numbers: start every test with an empty cache.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _revision_counted_at_once(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL the data revision is counted at commit (deferred constraint triggers);
    a test's transaction never commits, so there the triggers are made to fire at once.
    ``test_web_page_cache`` checks the deferred behaviour itself, with real commits."""
    names = request.fixturenames
    if "db" not in names or "transactional_db" in names or "live_server" in names:
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture(scope="module")
def audit_purge_for_flush() -> Iterator[None]:
    """For tests with real commits (``transactional_db``), which Django wipes after each test
    (``flush``): the SQLite audit trigger lets that through only while this is set (module
    scope: it must outlast the ``transactional_db`` teardown)."""
    from lsr.web.plan.audit import allow_purge

    with allow_purge():
        yield


@pytest.fixture()
def demo(db: None) -> Any:
    """The Oxfordshire demo review with its users."""
    from lsr.web.plan.demo import seed_demo

    return seed_demo()


@pytest.fixture()
def client_for(demo: Any) -> Any:
    """``client_for("partner")``: a test client logged in as that demo user."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    def make(username: str, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make


#: Area of the demo review (Oxfordshire) and another area, for the scenario results tests.
DEMO_AREA = "E10000025"
OTHER_AREA = "E10000002"


@pytest.fixture(scope="session")
def flow_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A DuckDB store holding real flow-model runs: the shipped winter example run for 2
    replications through :func:`lsr.flow.experiment.run_experiment`, saved with
    :func:`lsr.data.flow_store.save_flow_run` as an unscaled run (no area, with daily series),
    and its totals saved again as sweep-style runs (no daily series) for the demo area and for
    another area."""
    from lsr.data.flow_store import save_flow_run
    from lsr.data.scenario_files import example_path, load_scenario_file
    from lsr.data.store import connect
    from lsr.flow.experiment import run_experiment

    path = tmp_path_factory.mktemp("flow") / "flow.duckdb"
    sf = load_scenario_file(example_path("winter"))
    result = run_experiment(sf, replications=2, seed=7, engine="compiled")
    con = connect(path)
    try:
        common = {
            "scenario_file": str(sf.source),
            "scenario_name": result.name,
            "replications": result.replications,
            "seed": 7,
            "engine": "compiled",
            "results": result.results,
        }
        runs = {
            "example": save_flow_run(con, daily=result.daily, **common),
            "area": save_flow_run(con, area_code=DEMO_AREA, **common),
            "other": save_flow_run(con, area_code=OTHER_AREA, **common),
        }
    finally:
        con.close()
    areas = {"area": DEMO_AREA, "other": OTHER_AREA}
    return {"path": path, "runs": runs, "result": result, "areas": areas}
