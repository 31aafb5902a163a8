"""A&E figures for councils apportioned from trusts, on the real files and on generated stores.

The check figures are computed here a second way, straight from the raw CSV files with pandas,
and compared with :func:`ae_counts`. The property tests use small generated stores (labelled
as such: invented providers' counts and shares), never presented as real data."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.core.profile import COUNT_COLUMNS, compute_profile_table
from lsr.data import ae_apportion
from lsr.data.ae_apportion import (
    ENGLAND_CODE,
    TRUST_SUCCESSIONS,
    ae_council_coverage,
    ae_counts,
    ae_england_coverage,
    ae_provider_coverage,
    main_trusts,
)
from lsr.data.population import load_population
from lsr.data.sources.ae import load_ae
from lsr.data.sources.trust_catchment import load_catchment
from lsr.data.store import connect

from raw_data import RAW

AE = RAW / "ae" / "ae_attendances_provider_2016_2019.csv"
MAPPING = RAW / "ae" / "trust_utla_mapping.csv"
POPULATION = RAW / "ons_mye2017_upper_tier_la_from_lsoa.csv"
OXFORDSHIRE = "E10000025"
MANCHESTER = "E08000003"
SHEFFIELD = "E08000019"
BUCKINGHAMSHIRE_2017 = "E10000002"
MARCH_2017 = pd.Timestamp("2017-03-01")


def _store(*, catchment: bool = True) -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_population(con, POPULATION)
    load_ae(con, AE)
    if catchment:
        load_catchment(con, MAPPING)
    return con


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return _store()


@pytest.fixture(scope="module")
def counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return ae_counts(con)


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw A&E and mapping files read with pandas, independently of the loaders."""
    activity = pd.read_csv(AE, dtype={"type": str}, parse_dates=["period"])
    return activity, pd.read_csv(MAPPING)


def _row(counts: pd.DataFrame, indicator: str, area: str, period: pd.Timestamp) -> pd.Series:
    rows = counts[
        (counts["indicator"] == indicator)
        & (counts["area_code"] == area)
        & (counts["period"] == period)
    ]
    assert len(rows) == 1, (indicator, area, period)
    return rows.iloc[0]


# --- shape ---------------------------------------------------------------------------------------


def test_tidy_counts_the_profile_takes(counts: pd.DataFrame) -> None:
    assert tuple(counts.columns) == COUNT_COLUMNS
    assert set(counts["indicator"]) == {"ae_four_hours", "ae_attendances_all"}
    assert not counts["synthetic"].any()
    assert (counts["denominator"] > 0).all()
    four = counts[counts["indicator"] == "ae_four_hours"]
    assert (four["numerator"] <= four["denominator"]).all()
    assert counts["period"].min() == pd.Timestamp("2016-04-01")
    assert counts["period"].nunique() == 36
    # 149 mapping councils: 147 in the 2017 store, Buckinghamshire through its 2017 code, and
    # none for the Isles of Scilly, the City of London or the pre-2019 Dorset councils.
    councils = set(four["area_code"]) - {ENGLAND_CODE}
    assert len(councils) == 149
    assert {"E06000053", "E09000001", "E06000028", "E10000009"}.isdisjoint(councils)


def test_source_text_names_both_sources_and_says_apportioned(counts: pd.DataFrame) -> None:
    ox = _row(counts, "ae_attendances_all", OXFORDSHIRE, MARCH_2017)["source"]
    assert "NHS England A&E Attendances" in ox and "covid19.nhs.data" in ox
    assert "apportioned" in ox and "ONS mid-year population 2017" in ox
    eng = _row(counts, "ae_four_hours", ENGLAND_CODE, MARCH_2017)["source"]
    assert "England, the providers shared out to councils" in eng


# --- check figures -------------------------------------------------------------------------------


def test_oxfordshire_march_2017_computed_two_ways(
    counts: pd.DataFrame, raw: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    activity, mapping = raw
    month = activity[activity["period"] == MARCH_2017].groupby("org_code")
    att, br = month["attendances"].sum(), month["breaches"].sum()
    shares = mapping[mapping["geo_code"] == OXFORDSHIRE].set_index("trust_code")["p_trust"]
    expected_att = sum(att[t] * p for t, p in shares.items())
    expected_within = sum((att[t] - br[t]) * p for t, p in shares.items())
    four = _row(counts, "ae_four_hours", OXFORDSHIRE, MARCH_2017)
    assert four["denominator"] == pytest.approx(expected_att, rel=1e-12)
    assert four["numerator"] == pytest.approx(expected_within, rel=1e-12)
    assert round(100 * four["numerator"] / four["denominator"], 1) == 87.7
    rate = _row(counts, "ae_attendances_all", OXFORDSHIRE, MARCH_2017)
    assert rate["numerator"] == pytest.approx(expected_att, rel=1e-12)
    assert rate["denominator"] == 682_444  # Oxfordshire, all ages, mid-2017
    assert round(1000 * rate["numerator"] / rate["denominator"], 1) == 19.1


def test_england_is_every_provider(
    con: duckdb.DuckDBPyConnection, raw: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    activity, _ = raw
    counts = ae_counts(con, england="all")
    by_month = activity.groupby("period")[["attendances", "breaches"]].sum()
    four = counts[(counts["indicator"] == "ae_four_hours") & (counts["area_code"] == ENGLAND_CODE)]
    four = four.set_index("period")
    assert list(four.index) == list(by_month.index)
    assert (four["denominator"] == by_month["attendances"]).all()
    assert (four["numerator"] == by_month["attendances"] - by_month["breaches"]).all()
    march = four.loc[MARCH_2017]
    assert (march["numerator"], march["denominator"]) == (1_814_442, 2_015_834)
    assert round(100 * march["numerator"] / march["denominator"], 1) == 90.0


def test_england_does_not_depend_on_the_mapping(con: duckdb.DuckDBPyConnection) -> None:
    without = ae_counts(_store(catchment=False), england="all")
    counts = ae_counts(con, england="all")
    england = counts[counts["area_code"] == ENGLAND_CODE].reset_index(drop=True)
    assert set(without["area_code"]) == {ENGLAND_CODE}
    assert without.reset_index(drop=True).equals(england)


def test_merged_trust_is_apportioned_by_its_successor(
    counts: pd.DataFrame, raw: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Manchester, April 2016: Central and South Manchester (RW3, RM2) report before they became
    Manchester University (R0A); Pennine Acute (RW6) is in the mapping as RM3."""
    activity, mapping = raw
    period = pd.Timestamp("2016-04-01")
    month = activity[activity["period"] == period].groupby("org_code")["attendances"].sum()
    shares = mapping[mapping["geo_code"] == MANCHESTER].set_index("trust_code")["p_trust"]
    successor = {"RW3": "R0A", "RM2": "R0A", "RW6": "RM3"}
    expected = sum(n * shares.get(successor.get(org, org), 0.0) for org, n in month.items())
    direct_only = sum(n * shares.get(org, 0.0) for org, n in month.items())
    got = _row(counts, "ae_four_hours", MANCHESTER, period)["denominator"]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got > 2 * direct_only  # without the successors most of Manchester would be lost


def test_successions_point_into_the_mapping(raw: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, mapping = raw
    trusts = set(mapping["trust_code"])
    for s in TRUST_SUCCESSIONS:
        assert s.new_code in trusts, s
        assert s.old_code not in trusts, s


def test_buckinghamshire_2020_code_reaches_the_2017_council(counts: pd.DataFrame) -> None:
    row = _row(counts, "ae_four_hours", BUCKINGHAMSHIRE_2017, MARCH_2017)
    assert row["denominator"] > 5_000


# --- coverage ------------------------------------------------------------------------------------


def test_nothing_is_dropped_silently(con: duckdb.DuckDBPyConnection) -> None:
    providers = ae_provider_coverage(con)
    counts = ae_counts(con, england="all")
    eng = counts[(counts["indicator"] == "ae_four_hours") & (counts["area_code"] == ENGLAND_CODE)]
    per_month = providers.groupby("period")["attendances"].sum()
    assert (per_month.values == eng.sort_values("period")["denominator"].values).all()
    status = providers.drop_duplicates("org_code").set_index("org_code")["status"]
    assert status["RTH"] == "in mapping"
    assert status["RW3"] == "successor in mapping"
    assert status["RCU"] == "not apportioned"  # Sheffield Children's: not in the mapping
    assert status["RYX"] == "not apportioned"  # a community trust's walk-in centres
    rw3 = providers[providers["org_code"] == "RW3"].iloc[0]
    assert (rw3["trust_code"], rw3["org_name"]) == (
        "R0A",
        "Central Manchester University Hospitals NHS Foundation Trust",
    )


def test_england_coverage_by_month(con: duckdb.DuckDBPyConnection, counts: pd.DataFrame) -> None:
    cov = ae_england_coverage(con)
    assert len(cov) == 36
    parts = cov["in_mapping"] + cov["via_successor"] + cov["not_apportioned"]
    assert (parts == cov["attendances"]).all()
    assert cov["unmapped_share"].between(0.13, 0.17).all()
    assert (cov["via_successor"] > 0).all()
    # Not apportioned = mostly minor injury units and walk-in centres, which meet the four-hour
    # standard more often: England over all providers is higher than over the apportioned ones.
    assert (cov["four_hours_all"] > cov["four_hours_apportioned"]).all()
    march = cov[cov["period"] == MARCH_2017].iloc[0]
    assert round(march["four_hours_all"], 1) == 90.0
    assert round(march["unmapped_share"], 3) == 0.152
    councils = counts[
        (counts["indicator"] == "ae_four_hours")
        & (counts["area_code"] != ENGLAND_CODE)
        & (counts["period"] == MARCH_2017)
    ]
    assert councils["denominator"].sum() == pytest.approx(march["apportioned_to_areas"], rel=1e-9)


def test_council_coverage_and_a_provider_missing_from_a_month(
    con: duckdb.DuckDBPyConnection, counts: pd.DataFrame
) -> None:
    cov = ae_council_coverage(con).set_index(["area_code", "period"])
    ox = cov.loc[OXFORDSHIRE]
    assert ((ox["catchment_share"] - 1.0).abs() < 1e-9).all()
    # Sheffield Teaching Hospitals (RHQ) is missing from April 2016 in the NHSRdatasets file.
    april = cov.loc[(SHEFFIELD, pd.Timestamp("2016-04-01"))]
    assert april["trusts_without_data"] == "RHQ"
    assert april["catchment_share"] == pytest.approx(0.0232, abs=1e-4)
    left_out = (counts["area_code"] == SHEFFIELD) & (counts["period"] == "2016-04-01")
    assert not left_out.any()
    everything = ae_counts(con, min_coverage=0.0)
    kept = (everything["area_code"] == SHEFFIELD) & (everything["period"] == "2016-04-01")
    assert kept.sum() == 2
    # Cambridgeshire: Royal Papworth (no A&E department) is in its catchment, not in the data.
    cambs = cov.loc[("E10000003", MARCH_2017)]
    assert cambs["trusts_without_data"] == "RGM"
    assert cambs["catchment_share"] == pytest.approx(0.952, abs=1e-3)


# --- trusts serving an area ----------------------------------------------------------------------


def test_main_trusts_of_oxfordshire(con: duckdb.DuckDBPyConnection) -> None:
    trusts = main_trusts(con, OXFORDSHIRE)
    assert [t.code for t in trusts] == ["RTH", "RHW", "RXQ"]
    assert [round(t.share, 3) for t in trusts] == [0.925, 0.058, 0.016]
    assert sum(t.share for t in trusts) == pytest.approx(1.0)
    assert all(t.name is None for t in trusts)  # no NHS England file with names loaded
    assert [t.code for t in main_trusts(con, OXFORDSHIRE, min_share=0.05)] == ["RTH", "RHW"]
    assert main_trusts(con, "E09000001") == []  # City of London: not in the mapping


def test_main_trusts_names_from_successions_and_loaded_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = _store()
    manchester = {t.code: t.name for t in main_trusts(con, MANCHESTER)}
    assert manchester["R0A"] == "Manchester University NHS Foundation Trust"
    path = tmp_path / "names.csv"
    path.write_text(
        "Period,Org Code,Parent Org,Org name,A&E attendances Type 1,A&E attendances Type 2,"
        "A&E attendances Other A&E Department,Attendances over 4hrs Type 1,"
        "Attendances over 4hrs Type 2,Attendances over 4hrs Other Department,"
        "Emergency admissions via A&E - Type 1,Emergency admissions via A&E - Type 2,"
        "Emergency admissions via A&E - Other A&E department\n"
        "MSitAE-MARCH-2017,RTH,NHS ENGLAND SOUTH EAST,OXFORD UNIVERSITY HOSPITALS NHS "
        "FOUNDATION TRUST,11198,1797,0,1676,0,0,3100,61,0\n"
    )
    load_ae(con, path)  # the same numbers as the NHSRdatasets file: only the name is new
    assert main_trusts(con, OXFORDSHIRE)[0].name == (
        "OXFORD UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"
    )


# --- population years ----------------------------------------------------------------------------


def test_population_year_latest_not_after_the_period() -> None:
    con = _store()
    # A test-only second population year for Oxfordshire (not real data): 2018 periods use it,
    # 2017 periods use 2017, and 2016 periods, before every year loaded, use the earliest.
    con.execute("INSERT INTO population VALUES (?, 2018, 'all', 700000)", [OXFORDSHIRE])
    counts = ae_counts(con)
    rate = counts[
        (counts["indicator"] == "ae_attendances_all") & (counts["area_code"] == OXFORDSHIRE)
    ]
    by_period = rate.set_index("period")
    assert by_period.loc[pd.Timestamp("2018-05-01"), "denominator"] == 700_000
    assert by_period.loc[pd.Timestamp("2017-12-01"), "denominator"] == 682_444
    assert by_period.loc[pd.Timestamp("2016-04-01"), "denominator"] == 682_444
    assert by_period.loc[pd.Timestamp("2018-05-01"), "source"].endswith("population 2018")


# --- into the profile ----------------------------------------------------------------------------


def test_counts_go_through_the_profile(counts: pd.DataFrame) -> None:
    table = compute_profile_table(counts, {})
    points = table.points
    row = points[
        (points["indicator"] == "ae_four_hours")
        & (points["area_code"] == OXFORDSHIRE)
        & (points["period"] == MARCH_2017)
    ].iloc[0]
    assert round(row["value"], 1) == 87.7
    # England over the same providers as the councils (the official all-provider figure is
    # 90.0%: minor injury units and walk-in centres have no catchment)
    assert round(row["england"], 1) == 88.4


def test_comparable_england_is_the_providers_shared_out(
    con: duckdb.DuckDBPyConnection, counts: pd.DataFrame
) -> None:
    providers = ae_provider_coverage(con)
    kept = providers[providers["trust_code"].notna()]
    per_month = kept.groupby("period")[["attendances", "breaches"]].sum()
    eng = counts[(counts["indicator"] == "ae_four_hours") & (counts["area_code"] == ENGLAND_CODE)]
    eng = eng.set_index("period")
    assert (eng["denominator"] == per_month["attendances"]).all()
    assert (eng["numerator"] == per_month["attendances"] - per_month["breaches"]).all()
    cover = ae_england_coverage(con).set_index("period")
    share = 100 * eng["numerator"] / eng["denominator"]
    assert share.to_numpy() == pytest.approx(cover["four_hours_apportioned"].to_numpy(), rel=1e-12)
    assert "shared out to councils" in eng["source"].iloc[0]
    with pytest.raises(ValueError, match="england must be one of"):
        ae_counts(con, england="wales")


# --- properties on generated stores --------------------------------------------------------------

TRUSTS = ("R0A", "RTH", "RHW", "RAJ")
PREDECESSORS = {s.old_code: s.new_code for s in TRUST_SUCCESSIONS if s.new_code in TRUSTS}
COUNCILS = ("E06000001", "E06000002", "E06000003", "E06000004")
PERIODS = (date(2018, 1, 1), date(2018, 2, 1))


@st.composite
def catchments(draw: st.DrawFn) -> list[tuple[str, str, float]]:
    """Invented trust-to-council shares: each trust's shares add up to 1."""
    rows = []
    for trust in draw(st.lists(st.sampled_from(TRUSTS), min_size=1, max_size=4, unique=True)):
        councils = draw(st.lists(st.sampled_from(COUNCILS), min_size=1, max_size=4, unique=True))
        weights = [draw(st.integers(1, 100)) for _ in councils]
        rows += [(trust, c, w / sum(weights)) for c, w in zip(councils, weights, strict=True)]
    return rows


@st.composite
def activities(draw: st.DrawFn) -> list[tuple[str, date, str, int, int]]:
    """Invented monthly counts for trusts, their predecessors and a provider of no trust."""
    orgs = [*TRUSTS, *PREDECESSORS, "NXX01"]
    rows = []
    for org in draw(st.lists(st.sampled_from(orgs), min_size=1, max_size=len(orgs), unique=True)):
        for period in PERIODS:
            for dept in draw(st.lists(st.sampled_from(["1", "2", "other"]), unique=True)):
                att = draw(st.integers(0, 20_000))
                rows.append((org, period, dept, att, draw(st.integers(0, att))))
    return rows


def _generated_store(
    catchment: list[tuple[str, str, float]],
    activity: list[tuple[str, date, str, int, int]],
    in_store: list[str],
) -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    areas = [*in_store, ENGLAND_CODE]
    con.executemany("INSERT INTO areas VALUES (?, ?, NULL)", [[c, f"generated {c}"] for c in areas])
    con.executemany("INSERT INTO population VALUES (?, 2018, 'all', 100000)", [[c] for c in areas])
    if catchment:
        con.executemany(
            "INSERT INTO trust_catchment VALUES (?, ?, ?, 1.0)", [list(r) for r in catchment]
        )
    if activity:
        con.executemany(
            "INSERT INTO ae_activity VALUES (?, ?, ?, ?, ?, 0)", [list(r) for r in activity]
        )
    return con


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    catchment=catchments(),
    activity=activities(),
    in_store=st.lists(st.sampled_from(COUNCILS), unique=True),
)
def test_apportioned_totals_equal_trust_totals_times_their_shares(
    catchment: list[tuple[str, str, float]],
    activity: list[tuple[str, date, str, int, int]],
    in_store: list[str],
) -> None:
    con = _generated_store(catchment, activity, in_store)
    counts = ae_counts(con, min_coverage=0.0)
    four = counts[counts["indicator"] == "ae_four_hours"]
    councils = four[four["area_code"] != ENGLAND_CODE]
    mapped = {t for t, _, _ in catchment}
    share_in_store = {
        t: sum(p for tt, c, p in catchment if tt == t and c in in_store) for t in mapped
    }
    for period in PERIODS:
        expected_att = expected_within = 0.0
        for org, p, _dept, att, br in activity:
            trust = org if org in mapped else PREDECESSORS.get(org)
            if p == period and trust in mapped:
                expected_att += att * share_in_store[trust]
                expected_within += (att - br) * share_in_store[trust]
        got = councils[councils["period"] == pd.Timestamp(period)]
        assert got["denominator"].sum() == pytest.approx(expected_att, rel=1e-9, abs=1e-6)
        assert got["numerator"].sum() == pytest.approx(expected_within, rel=1e-9, abs=1e-6)
        rates = counts[
            (counts["indicator"] == "ae_attendances_all")
            & (counts["area_code"] != ENGLAND_CODE)
            & (counts["period"] == pd.Timestamp(period))
        ]
        assert rates["numerator"].sum() == pytest.approx(expected_att, rel=1e-9, abs=1e-6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=catchments(), second=catchments(), activity=activities())
def test_england_row_is_independent_of_the_mapping(
    first: list[tuple[str, str, float]],
    second: list[tuple[str, str, float]],
    activity: list[tuple[str, date, str, int, int]],
) -> None:
    def england(catchment: list[tuple[str, str, float]]) -> pd.DataFrame:
        counts = ae_counts(_generated_store(catchment, activity, list(COUNCILS)), england="all")
        return counts[counts["area_code"] == ENGLAND_CODE].reset_index(drop=True)

    a, b = england(first), england(second)
    assert a.equals(b)
    four = a[a["indicator"] == "ae_four_hours"]
    for period in PERIODS:
        total = sum(att for _, p, _, att, _ in activity if p == period)
        got = four.loc[four["period"] == pd.Timestamp(period), "denominator"]
        assert got.sum() == total


def test_module_documents_its_same_area_codes() -> None:
    assert ae_apportion.SAME_AREA_CODES["E06000060"] == (BUCKINGHAMSHIRE_2017,)
    assert ae_apportion.resolve_area("E06000060", {BUCKINGHAMSHIRE_2017}) == BUCKINGHAMSHIRE_2017
    assert ae_apportion.resolve_area("E06000060", {"E06000060", BUCKINGHAMSHIRE_2017}) == (
        "E06000060"
    )
    assert ae_apportion.resolve_area("E06000053", {OXFORDSHIRE}) is None
