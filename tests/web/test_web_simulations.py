"""The scenario results page: flow-model runs read from a real DuckDB store (made by running the
shipped winter example through lsr's own experiment and store functions; see ``flow_store`` in
conftest.py)."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lsr.flow.experiment import METRICS
from lsr.flow.scenario import BASE_NAME
from lsr.report.simulation_rows import format_metric
from lsr.web.plan import simulations


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    simulations.clear_cache()


@pytest.fixture()
def store(settings: Any, flow_store: dict[str, Any]) -> dict[str, Any]:
    settings.LSR_DB = str(flow_store["path"])
    return flow_store


def _text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_list_shows_area_and_unscaled_runs_only(store: Any, client_for: Any, demo: Any) -> None:
    response = client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/")
    assert response.status_code == 200
    body = response.content.decode()
    runs = store["runs"]
    assert f"/scenarios/{runs['example']}/" in body
    assert f"/scenarios/{runs['area']}/" in body
    assert f"/scenarios/{runs['other']}/" not in body
    text = _text(response)
    assert simulations.NO_AREA_LABEL in text
    assert demo.area_code == store["areas"]["area"]
    assert store["areas"]["area"] in text and store["areas"]["other"] not in text
    assert "No simulation results yet" not in text


def test_overview_links_to_scenario_results(client_for: Any, demo: Any) -> None:
    body = client_for("viewer").get(f"/reviews/{demo.pk}/").content.decode()
    assert f'href="/reviews/{demo.pk}/scenarios/"' in body


def test_run_page_comparison_chart_and_costs(store: Any, client_for: Any, demo: Any) -> None:
    run_id = store["runs"]["example"]
    response = client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/{run_id}/")
    assert response.status_code == 200
    text = _text(response)
    result = store["result"]
    for name in result.scenario_names:
        assert name in text
    # The comparison table matches what is in the store, cell by cell.
    con = duckdb.connect(str(store["path"]), read_only=True)
    try:
        rows = con.execute(
            "SELECT scenario_name, metric, mean, p05, p95, diff_mean, diff_lo, diff_hi "
            "FROM flow_results WHERE run_id = ?",
            [run_id],
        ).fetchall()
    finally:
        con.close()
    by_key = {(r[0], r[1]): r for r in rows}
    expected_ns = 0
    for metric in METRICS:
        base = by_key[(BASE_NAME, metric.key)]
        assert format_metric(metric, base[2]) in text
        assert f"({format_metric(metric, base[3])} to {format_metric(metric, base[4])})" in text
        for name in result.scenario_names[1:]:
            _, _, _, _, _, diff, lo, hi = by_key[(name, metric.key)]
            assert f"Difference {format_metric(metric, diff, signed=True)}" in text
            assert not math.isnan(lo)
            if lo <= 0 <= hi:
                expected_ns += 1
    assert text.count("not significant") == expected_ns + 1  # + the explanation above the table
    # One chart with a text alternative, and its data table.
    assert response.content.decode().count("<svg") == 1
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-label="Line chart of the number', text)
    assert "Data for figure 1" in text
    assert "Delayed patients in acute beds, average per day by week" in text
    assert "Week from 01 Nov 2018" in text
    # Unit costs with their sources, from the scenario file.
    assert "£346.00" in text
    assert "per acute bed day occupied by a delayed patient" in text
    assert "Read from the scenario file" in text


def test_sweep_run_without_daily_series(store: Any, client_for: Any, demo: Any) -> None:
    run_id = store["runs"]["area"]
    response = client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/{run_id}/")
    assert response.status_code == 200
    text = _text(response)
    assert "No daily series was stored" in text
    assert "<svg" not in response.content.decode()
    assert "Delayed days in acute beds" in text


def test_other_areas_run_and_unknown_run_are_404(store: Any, client_for: Any, demo: Any) -> None:
    client = client_for("viewer")
    other = store["runs"]["other"]
    assert client.get(f"/reviews/{demo.pk}/scenarios/{other}/").status_code == 404
    assert client.get(f"/reviews/{demo.pk}/scenarios/not-a-run/").status_code == 404


def test_missing_scenario_file_says_costs_unavailable(
    settings: Any, tmp_path: Path, flow_store: dict[str, Any], client_for: Any, demo: Any
) -> None:
    from lsr.data.flow_store import save_flow_run
    from lsr.data.store import connect

    path = tmp_path / "moved.duckdb"
    con = connect(path)
    try:
        run_id = save_flow_run(
            con,
            scenario_file=str(tmp_path / "gone.yaml"),
            scenario_name=flow_store["result"].name,
            replications=2,
            seed=7,
            engine="compiled",
            results=flow_store["result"].results,
            daily=flow_store["result"].daily,
        )
    finally:
        con.close()
    settings.LSR_DB = str(path)
    text = _text(client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/{run_id}/"))
    assert "is no longer available here" in text
    assert "£346.00" not in text


@pytest.mark.parametrize("kind", ["missing", "no_tables", "empty_tables"])
def test_no_results_message(
    kind: str, settings: Any, tmp_path: Path, client_for: Any, demo: Any
) -> None:
    from lsr.data.flow_store import ensure_flow_schema
    from lsr.data.store import connect

    path = tmp_path / "store.duckdb"
    if kind != "missing":
        con = connect(path)
        if kind == "empty_tables":
            ensure_flow_schema(con)
        con.close()
    settings.LSR_DB = str(path)
    response = client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/")
    assert response.status_code == 200
    assert "No simulation results yet — run <code>lsr simulate</code>" in (
        response.content.decode()
    )
    assert path.exists() == (kind != "missing")  # read-only: a missing store is not created


def test_permissions(store: Any, client_for: Any, demo: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from lsr.web.plan.models import Profile, Role

    run_id = store["runs"]["example"]
    urls = [f"/reviews/{demo.pk}/scenarios/", f"/reviews/{demo.pk}/scenarios/{run_id}/"]
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        for role in ("viewer", "partner", "lead", "reviewer", "admin"):
            assert client_for(role).get(url).status_code == 200, (role, url)
    outsider = get_user_model().objects.create_user("outsider", password="x" * 16)
    Profile.objects.create(user=outsider, role=Role.VIEWER)  # a viewer of no review
    client = Client()
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 403
