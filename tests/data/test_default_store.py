"""The embedded default store, built from the shipped real data plus labelled synthetic counts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsr.core.profile import area_profile, compute_profile_table
from lsr.data import queries
from lsr.data.default import ensure_default_store

OXON = "E10000025"


def test_dtoc_reproduces_the_report(default_store: duckdb.DuckDBPyConnection) -> None:
    counts = queries.indicator_counts(default_store)
    groups, _method = queries.comparator_groups(default_store)
    table = compute_profile_table(counts, groups)
    dtoc = table.points[
        (table.points["indicator"] == "dtoc_18") & (table.points["area_code"] == OXON)
    ]
    by_month = dtoc.set_index(dtoc["period"].dt.strftime("%Y-%m"))
    # the seed report: July 2018 20.6 vs England 10.3; October 2018 16.8 vs 10.8
    assert round(by_month.loc["2018-07", "value"], 1) == 20.6
    assert round(by_month.loc["2018-07", "england"], 1) == 10.3
    assert round(by_month.loc["2018-10", "value"], 1) == 16.8
    assert round(by_month.loc["2018-10", "england"], 1) == 10.8
    assert not by_month["synthetic"].any()
    assert "NHS England" in by_month["source"].iloc[0]


def test_synthetic_counts_are_labelled(default_store: duckdb.DuckDBPyConnection) -> None:
    rows = default_store.execute(
        "SELECT indicator, bool_and(synthetic), min(source), count(DISTINCT area_code), "
        "count(DISTINCT period) FROM indicator_counts GROUP BY indicator ORDER BY indicator"
    ).fetchall()
    assert [r[0] for r in rows] == [
        "ae_attendances_65",
        "care_home_admissions_65",
        "emergency_admissions_65",
        "long_stays_65",
        "readmissions_30d_65",
    ]
    for _ind, all_synthetic, source, n_areas, n_periods in rows:
        assert all_synthetic
        assert source.startswith("SYNTHETIC")
        assert n_areas == 153  # the 152 upper-tier councils of 2017 (Isles of Scilly included)
        # and England (the sum of every council: the synthetic series covers them all)
        assert n_periods == 60


def test_synthetic_population_sums_to_england(default_store: duckdb.DuckDBPyConnection) -> None:
    total = default_store.execute(
        "SELECT sum(denominator) FROM indicator_counts "
        "WHERE indicator = 'ae_attendances_65' AND period = DATE '2017-04-01' "
        "AND area_code != 'E92000001'"
    ).fetchone()[0]
    england = default_store.execute(
        "SELECT population FROM population WHERE area_code = 'E92000001' AND age_band = '65+'"
    ).fetchone()[0]
    assert total == england == 10_030_511


def test_default_comparators(default_store: duckdb.DuckDBPyConnection) -> None:
    groups, method = queries.comparator_groups(default_store)
    assert len(groups[OXON]) == 15
    assert OXON not in groups[OXON]
    assert "lsr default" in method and "CIPFA" in method


def test_oxfordshire_profile(default_store: duckdb.DuckDBPyConnection) -> None:
    counts = queries.indicator_counts(default_store)
    groups, method = queries.comparator_groups(default_store)
    names = queries.area_names(default_store)
    prof = area_profile(compute_profile_table(counts, groups), OXON, names, groups, method)
    assert prof.area_name == "Oxfordshire"
    by_id = {i.indicator.id: i for i in prof.indicators}
    dtoc = by_id["dtoc_18"]
    assert not dtoc.synthetic
    assert [p.period_label for p in dtoc.points] == ["Jun 2018", "Jul 2018", "Oct 2018"]
    assert all(p.spc is not None and p.spc.trial_limits for p in dtoc.points)
    assert by_id["ae_attendances_65"].synthetic
    assert len(by_id["ae_attendances_65"].points) == 60


def test_find_area(default_store: duckdb.DuckDBPyConnection) -> None:
    assert queries.find_area(default_store, "oxfordshire") == OXON
    assert queries.find_area(default_store, OXON.lower()) == OXON
    with pytest.raises(LookupError, match="several"):
        queries.find_area(default_store, "shire")
    with pytest.raises(LookupError, match="no area"):
        queries.find_area(default_store, "Atlantis")


def test_existing_store_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "existing.duckdb"
    path.write_bytes(b"not a database")
    assert ensure_default_store(path) is False
    assert path.read_bytes() == b"not a database"


def test_failed_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lsr.data.default as default

    def broken(*_a: object, **_k: object) -> pd.DataFrame:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(default.synthetic, "generate_counts", broken)
    path = tmp_path / "store.duckdb"
    with pytest.raises(RuntimeError):
        ensure_default_store(path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
