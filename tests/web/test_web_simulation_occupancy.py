"""The scenario results page shows acute occupancy against the bed base, flagged above 92% and
100% in words and symbols (issue 10: winter surge averaged 533 occupied of 480 beds, no flag)."""

from __future__ import annotations

import html
import re
from typing import Any

import duckdb
import pytest

from lsr.report.simulation_rows import OCCUPANCY_FLAGS, occupancy_level
from lsr.web.plan import simulations


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    simulations.clear_cache()


@pytest.mark.parametrize("kind", ["example", "area"])  # with and without a daily series
def test_run_page_flags_acute_occupancy(
    kind: str, settings: Any, flow_store: dict[str, Any], client_for: Any, demo: Any
) -> None:
    settings.LSR_DB = str(flow_store["path"])
    run_id = flow_store["runs"][kind]
    response = client_for("viewer").get(f"/reviews/{demo.pk}/scenarios/{run_id}/")
    assert response.status_code == 200
    page = html.unescape(re.sub(r"\s+", " ", response.content.decode()))
    section = page.split('id="occupancy-heading"')[1].split("<tbody")[1].split("</table>")[0]
    con = duckdb.connect(str(flow_store["path"]), read_only=True)
    try:
        stored = dict(
            con.execute(
                "SELECT scenario_name, mean FROM flow_results "
                "WHERE run_id = ? AND metric = 'acute_bed_occupancy'",
                [run_id],
            ).fetchall()
        )
    finally:
        con.close()
    assert len(stored) == 4
    levels = set()
    for name, share in stored.items():
        level = occupancy_level(share)
        levels.add(level)
        row = section.split(f">{name}</th>")[1].split("</tr>")[0]
        assert f"{share:.1%}" in row and ">480<" in row
        assert OCCUPANCY_FLAGS[level] in row
    assert "over" in levels  # the shipped winter surge is over its beds
