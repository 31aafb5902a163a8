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


def _oxon_dtoc(con: duckdb.DuckDBPyConnection, population_year: int | None) -> pd.DataFrame:
    counts = queries.indicator_counts(con, population_year=population_year)
    groups, _method = queries.comparator_groups(con)
    table = compute_profile_table(counts, groups)
    dtoc = table.points[
        (table.points["indicator"] == "dtoc_18") & (table.points["area_code"] == OXON)
    ]
    return dtoc.set_index(dtoc["period"].dt.strftime("%Y-%m"))


def test_dtoc_reproduces_the_report(default_store: duckdb.DuckDBPyConnection) -> None:
    # The seed report used the mid-2017 population: July 2018 20.6 vs England 10.3; October
    # 2018 16.8 vs 10.8. Pinning that vintage reproduces it exactly.
    by_month = _oxon_dtoc(default_store, 2017)
    assert round(by_month.loc["2018-07", "value"], 1) == 20.6
    assert round(by_month.loc["2018-07", "england"], 1) == 10.3
    assert round(by_month.loc["2018-10", "value"], 1) == 16.8
    assert round(by_month.loc["2018-10", "england"], 1) == 10.8
    assert not by_month["synthetic"].any()
    assert "NHS England" in by_month["source"].iloc[0]
    assert "population 2017" in by_month.loc["2018-07", "source"]


def test_dtoc_uses_each_periods_population_by_default(
    default_store: duckdb.DuckDBPyConnection,
) -> None:
    by_month = _oxon_dtoc(default_store, None)
    # mid-2018 population for 2018 months (Oxfordshire 18+ grew), mid-2011 for 2012-2014
    assert "population 2018" in by_month.loc["2018-07", "source"]
    assert round(by_month.loc["2018-07", "value"], 1) == 20.5
    assert "population 2011" in by_month.loc["2013-06", "source"]
    assert "population 2015" in by_month.loc["2015-06", "source"]
    # the whole published series: April 2011 - December 2016 and three 2018 months
    assert len(by_month) == 72
    assert by_month.index[0] == "2011-04" and by_month.index[-1] == "2018-10"
    assert by_month["england"].notna().all()


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
        "SELECT population FROM population WHERE area_code = 'E92000001' AND age_band = '65+' "
        "AND year = 2017"
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
    assert len(dtoc.points) == 72
    assert dtoc.points[0].period_label == "Apr 2011"
    assert [p.period_label for p in dtoc.points[-3:]] == ["Jun 2018", "Jul 2018", "Oct 2018"]
    # the gap is named and the control chart is drawn from the months that exist
    missing = [d.strftime("%Y-%m") for d in dtoc.missing_periods]
    assert missing[0] == "2017-01" and missing[-1] == "2018-09" and len(missing) == 19
    assert all(p.spc is not None and not p.spc.trial_limits for p in dtoc.points)
    assert "2 gaps" in dtoc.spc_rule_set
    supplementary = {i.indicator.id: i for i in prof.supplementary}
    assert set(supplementary) == {"ae_four_hours", "ae_attendances_all", "emergency_admissions_all"}
    assert len(supplementary["ae_four_hours"].points) == 36
    assert len(supplementary["emergency_admissions_all"].points) == 93
    assert not any(i.synthetic for i in prof.supplementary)
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


def test_default_store_holds_every_raw_series(default_store: duckdb.DuckDBPyConnection) -> None:
    from lsr.data.default_build import shipped_tables

    for table, info in shipped_tables().items():
        rows = default_store.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        assert rows == info["rows"], table
    kinds = dict(default_store.execute("SELECT kind, count(*) FROM loads GROUP BY kind").fetchall())
    assert kinds == {
        "ons_mye": 8,
        "dtoc": 72,
        "ae": 1,
        "trust_catchment": 1,
        "mar": 93,
        "ascof": 4,
        "oflog": 1,
    }
    years = [
        r[0]
        for r in default_store.execute("SELECT DISTINCT year FROM population ORDER BY 1").fetchall()
    ]
    assert years == [2011, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]


def test_reloading_a_shipped_raw_file_is_a_no_op(default_store_path: Path, tmp_path: Path) -> None:
    import shutil

    from lsr.data.sources.dtoc import load_dtoc

    from raw_data import raw

    copy = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, copy)
    con = duckdb.connect(str(copy))
    try:
        summary = load_dtoc(con, [raw("dtoc", "LA-Type-B_July_18.xls")])
    finally:
        con.close()
    assert (summary.files_loaded, summary.files_skipped) == (0, 1)


def test_evidence_sections_for_oxfordshire(default_store: duckdb.DuckDBPyConnection) -> None:
    from lsr.data.evidence import with_evidence

    counts = queries.indicator_counts(default_store)
    groups, method = queries.comparator_groups(default_store)
    names = queries.area_names(default_store)
    prof = area_profile(compute_profile_table(counts, groups), OXON, names, groups, method)
    prof = with_evidence(prof, default_store)
    status = {s.id: s.status for s in prof.sections}
    assert status == {
        "delay-reasons": "real",
        "ae-trusts": "approximation",
        "social-care-outcomes": "real",
    }
    reasons = next(s for s in prof.sections if s.id == "delay-reasons").result
    assert len(reasons.periods) == 72
    # Reading only the area's, its comparators' and England's rows changes nothing
    from lsr.core.delay_reasons import ENGLAND_SUMMED, delay_reasons

    whole = delay_reasons(queries.dtoc_breakdowns(default_store), OXON, prof.comparator_codes)
    assert whole == reasons
    assert reasons.england_definition == ENGLAND_SUMMED
