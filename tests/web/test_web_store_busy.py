"""Pages and a DuckDB store that another process is writing to: every page that needs the store
says plainly that it is busy (503 with Retry-After, nothing cached, nothing changed), no page is
a server error, the scenario page never says "no results yet" when results exist, and a short
write is waited for. The writer is always another real process holding the store's lock."""

from __future__ import annotations

import html
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from lsr.web.plan import indicators, simulations
from lsr.web.plan.models import Action, PublishedReport
from lsr.web.plan.store_busy import RETRY_AFTER_SECONDS

from store_holder import held_store, start_holder, stop_holder

BUSY = "The data store is busy"
NO_RESULTS = "No simulation results yet"


@pytest.fixture(autouse=True)
def _cold_caches() -> Any:
    """Each worker computes the profile on first use: start cold, so the store is read."""
    indicators.clear_cache()
    simulations.clear_cache()
    yield
    indicators.clear_cache()
    simulations.clear_cache()


@pytest.fixture()
def store(
    settings: Any, default_store_path: Path, flow_store: dict[str, Any], tmp_path: Path
) -> dict[str, Any]:
    """A copy of the default store (indicators) with a flow run for the demo area."""
    from lsr.data.flow_store import save_flow_run
    from lsr.data.store import connect

    path = tmp_path / "web.duckdb"
    shutil.copy(default_store_path, path)
    result = flow_store["result"]
    con = connect(path)
    try:
        run_id = save_flow_run(
            con,
            scenario_file="winter.yaml",
            scenario_name=result.name,
            replications=result.replications,
            seed=7,
            engine="compiled",
            results=result.results,
            area_code=flow_store["areas"]["area"],
        )
    finally:
        con.close()
    settings.LSR_DB = str(path)
    return {"path": path, "run": run_id}


def _text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode(errors="replace")))


def _patterns(resolver: Any = None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if not route.startswith("admin/"):
                found += _patterns(p, route)
        elif isinstance(p, URLPattern):
            found.append((route, p))
    return found


def _evidence_ids(demo: Any) -> dict[str, int]:
    """The demo's information request, one of its answers and an engagement record."""
    from lsr.web.plan.models_soir import Answer, EngagementRecord, InformationRequest

    soir = InformationRequest.objects.filter(review=demo).first()
    answer = Answer.objects.filter(question__request=soir).first()
    record = EngagementRecord.objects.filter(review=demo).first()
    assert soir and answer and record
    return {
        "request_id": soir.pk,
        "organisation_id": answer.organisation_id,
        "answer_id": answer.pk,
        "record_id": record.pk,
    }


def _every_page(demo: Any, run_id: str) -> dict[str, str]:
    """A URL for every route of the application (the admin aside), with the demo's objects."""
    action = Action.objects.filter(review=demo).first()
    milestone = action.milestones.first() if action else None
    theme = demo.themes.first()
    area = demo.areas.first()
    assert action and milestone and theme and area
    values = {
        "review_id": demo.pk,
        "action_id": action.pk,
        "milestone_id": milestone.pk,
        "theme_id": theme.pk,
        "area_id": area.pk,
        "run_id": run_id,
        "fmt": "html",
        "round_id": demo.audit_rounds.first().pk,
        "response_id": "00000000-0000-4000-8000-000000000000",  # none: 404 (or 405 for GET)
        "evidence_id": 999999,  # none in the demo: 404, never 500
        "report_id": 999999,
        "scenario_id": 999999,  # no saved winter scenario in the demo: 404
        **_evidence_ids(demo),
    }
    pages = {}
    for route, pattern in _patterns():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
        pages[pattern.name or route] = "/" + url
        assert set(names) <= set(values), route
    return pages


#: The routes whose page needs the DuckDB store (the others never open it).
STORE_PAGES = {
    "overview",
    "report",
    "report_download",
    "simulations",
    "simulation_detail",
    "winter",  # the dashboard reads the daily data and forecasts from the store
    "winter_revision",  # the revision the page polls (busy: 503, the page polls again)
    "winter_update",  # the levers' forecast (JSON for the page's script; busy: 503)
}


def _assert_busy(response: Any, name: str) -> None:
    assert response.status_code == 503, (name, response.status_code)
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS), name
    assert response["Cache-Control"] == "no-store", name
    text = _text(response)
    assert BUSY in text and "try again in a moment" in text, name
    assert NO_RESULTS not in text and "Server Error" not in text, name


def test_every_page_while_another_process_writes(
    store: dict[str, Any], client_for: Any, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSR_WEB_STORE_WAIT", "0.2")
    pages = _every_page(demo, store["run"])
    assert set(pages) > STORE_PAGES
    client = client_for("admin", raise_request_exception=False)
    with held_store(store["path"]):
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code < 500 or response.status_code == 503, (name, url)
            if name in STORE_PAGES:
                _assert_busy(response, name)
            else:
                assert response.status_code != 503, (name, url)
        # The PDF download and publishing need the store too: busy, and nothing published.
        _assert_busy(client.get(f"/reviews/{demo.pk}/report/download.pdf"), "pdf")
        _assert_busy(client.post(f"/reviews/{demo.pk}/report/publish/"), "publish")
        assert not PublishedReport.objects.exists()
    # Nothing of the busy moment was kept: every page works once the writer has finished.
    for name in sorted(STORE_PAGES):
        response = client.get(pages[name])
        assert response.status_code == 200, name
        assert BUSY not in _text(response), name


def test_scenario_page_never_says_no_results_when_they_exist(
    store: dict[str, Any], client_for: Any, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSR_WEB_STORE_WAIT", "0.2")
    client = client_for("viewer")
    listing = f"/reviews/{demo.pk}/scenarios/"
    detail = f"/reviews/{demo.pk}/scenarios/{store['run']}/"
    with held_store(store["path"]):
        _assert_busy(client.get(listing), "list")
        _assert_busy(client.get(detail), "detail")  # not "no such run" (404)
    response = client.get(listing)
    assert response.status_code == 200
    assert f"/scenarios/{store['run']}/" in response.content.decode()
    assert NO_RESULTS not in _text(response)
    assert client.get(detail).status_code == 200


def test_unreadable_store_is_said_so_not_no_results(
    settings: Any, tmp_path: Path, client_for: Any, demo: Any
) -> None:
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(b"not a DuckDB file " * 500)
    settings.LSR_DB = str(path)
    response = client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/")
    assert response.status_code == 200
    text = _text(response)
    assert "Scenario results cannot be read" in text and NO_RESULTS not in text


def test_pages_wait_for_a_short_write(
    store: dict[str, Any], client_for: Any, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSR_WEB_STORE_WAIT", "20")
    client = client_for("viewer")
    for url in (f"/reviews/{demo.pk}/", f"/reviews/{demo.pk}/scenarios/"):
        indicators.clear_cache()
        holder = start_holder(store["path"], "write", seconds=1.0)  # released after 1 s
        try:
            response = client.get(url)
        finally:
            stop_holder(holder)
        assert response.status_code == 200, url
        assert BUSY not in _text(response)


def test_pages_read_while_another_process_reads(
    store: dict[str, Any], client_for: Any, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers do not shut each other out (``lsr profile`` or another server process)."""
    monkeypatch.setenv("LSR_WEB_STORE_WAIT", "0")
    client = client_for("viewer")
    with held_store(store["path"], "read"):
        for url in (f"/reviews/{demo.pk}/", f"/reviews/{demo.pk}/report/"):
            assert client.get(url).status_code == 200, url
        assert (
            f"/scenarios/{store['run']}/"
            in client.get(f"/reviews/{demo.pk}/scenarios/").content.decode()
        )


def test_scenario_list_shows_a_run_stored_since_it_was_cached(
    store: dict[str, Any], flow_store: dict[str, Any], client_for: Any, demo: Any
) -> None:
    """The list is kept per version of the store file: a run stored by another process shows
    on the next request."""
    client = client_for("viewer")
    listing = f"/reviews/{demo.pk}/scenarios/"
    assert f"/scenarios/{store['run']}/" in client.get(listing).content.decode()
    code = (
        "import sys, pickle\n"
        "from lsr.data.store import open_shared\n"
        "from lsr.data.flow_store import save_flow_run\n"
        "results = pickle.load(open(sys.argv[2], 'rb'))\n"
        "con = open_shared(sys.argv[1])\n"
        "print(save_flow_run(con, scenario_file='w.yaml', scenario_name='Later run', "
        "replications=2, seed=8, engine='compiled', results=results, area_code='E10000025'))\n"
        "con.close()\n"
    )
    frame = store["path"].with_suffix(".pickle")
    frame.write_bytes(pickle.dumps(flow_store["result"].results))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(store["path"]), str(frame)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    later = out.stdout.strip()
    body = client.get(listing).content.decode()
    assert f"/scenarios/{later}/" in body and f"/scenarios/{store['run']}/" in body
