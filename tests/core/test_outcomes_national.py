"""The national outcomes table equals the per-area function, point by point.

The oracle is :func:`lsr.core.outcomes.social_care_outcomes`: every council of the real default
store, then generated rows (ties, missing and suppressed values, councils without peers,
measures with and without counts, a measure with two sources and two editions)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.core.outcome_measures import (
    CARER_QUALITY_OF_LIFE,
    OUTCOME_MEASURES,
    PERMANENT_ADMISSIONS,
    REABLEMENT_91_DAYS,
    WORKFORCE_TURNOVER,
    OutcomeMeasure,
)
from lsr.core.outcomes import INPUT_COLUMNS, OutcomePoint, social_care_outcomes
from lsr.core.outcomes_national import NATIONAL_COLUMNS, national_outcomes, point_from_record

ENGLAND = "E92000001"
REGION = "E12000008"
REL = 1e-12


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects (as the evidence inputs give them to the per-area
    function, which is much quicker on them)."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    return frame.astype({c: object for c in text})


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL, abs_tol=REL)


def differences(expected: OutcomePoint, got: OutcomePoint) -> list[str]:
    """The fields that differ: floats beyond a relative 1e-12, everything else exactly."""
    out = []
    for f in dataclasses.fields(OutcomePoint):
        a, b = getattr(expected, f.name), getattr(got, f.name)
        if f.name in ("vs_england", "vs_comparators"):
            same = (a.outcome, a.method, a.confidence) == (b.outcome, b.method, b.confidence)
            same = same and close(a.benchmark, b.benchmark)
        elif isinstance(a, float) or isinstance(b, float):
            same = close(a, b)
        else:
            same = a == b and type(a) is type(b)
        if not same:
            out.append(f"{f.name}: per-area {a!r}, national {b!r}")
    return out


def check_against_oracle(
    rows: pd.DataFrame,
    comparators: Mapping[str, Sequence[str]],
    areas: Sequence[str],
    table: pd.DataFrame,
    measures: Sequence[OutcomeMeasure] = OUTCOME_MEASURES,
    confidence: float = 0.95,
) -> int:
    """Assert the table has exactly the per-area points of ``areas``, equal field by field;
    return how many points were compared."""
    assert list(table.columns) == list(NATIONAL_COLUMNS)
    records = {(r["measure"], r["year"], r["area_code"]): r for r in table.to_dict("records")}
    assert len(records) == len(table), "one row per measure, year and area"
    compared = 0
    problems: list[str] = []
    for area in areas:
        result = social_care_outcomes(
            rows, area, comparators, measures=measures, confidence=confidence
        )
        for series in result.series:
            for point in series.points:
                key = (series.measure.id, point.year, area)
                record = records.pop(key, None)
                if record is None:
                    problems.append(f"{key}: missing from the national table")
                    continue
                compared += 1
                problems += [f"{key} {d}" for d in differences(point, point_from_record(record))]
    problems += [f"{key}: in the national table only" for key in records]
    assert problems == []
    return compared


# --- every council of the real default store ---------------------------------------------------


@pytest.fixture(scope="module")
def real(default_store_path: Path) -> Iterator[tuple[pd.DataFrame, dict[str, list[str]]]]:
    from lsr.data.measures import measure_rows
    from lsr.data.queries import comparator_groups

    con = duckdb.connect(str(default_store_path), read_only=True)
    try:
        rows = measure_rows(con, [p for m in OUTCOME_MEASURES for p in m.sources])
        groups, _ = comparator_groups(con)
    finally:
        con.close()
    yield rows, groups


def test_every_council_of_the_default_store_equals_the_per_area_function(
    real: tuple[pd.DataFrame, dict[str, list[str]]],
) -> None:
    rows, groups = real
    table = national_outcomes(rows, groups)  # the store's own (Arrow) strings
    councils = sorted(set(rows.loc[rows["area_level"] == "council", "area_code"]))
    assert len(councils) >= 150
    assert set(table["area_code"]) == set(councils)
    assert (table["area_level"] == "council").all()
    compared = check_against_oracle(plain(rows), groups, councils, table)
    assert compared == len(table) > 3000
    # each measure is there, and both ways of comparing and both comparator methods are used
    assert set(table["measure"]) == {m.id for m in OUTCOME_MEASURES}
    assert set(table["method"]) == {"interval", "ranked"}
    assert table["comparators_method"].str.startswith("pooled").any()
    assert table["comparators_method"].str.startswith("mean").any()
    assert table["rank"].notna().sum() > 3000


def test_oxfordshire_known_figures(real: tuple[pd.DataFrame, dict[str, list[str]]]) -> None:
    """Oxfordshire 2020-21 from the official ASCOF file (docs/methods/social-care-outcomes.md):
    441.7 per 100,000 (406.3 to 479.3), significantly better than England's 498.2; 62.0% at
    home after 91 days (57.6% to 66.2%), significantly worse than England's 79.1%."""
    rows, groups = real
    table = national_outcomes(rows, groups).set_index(["measure", "year", "area_code"])
    adm = table.loc[("permanent_admissions_65", "2020-21", "E10000025")]
    assert adm["value"] == pytest.approx(441.7, abs=0.05)
    assert (round(adm["ci_lower"], 1), round(adm["ci_upper"], 1)) == (406.3, 479.3)
    assert adm["england"] == pytest.approx(498.2) and adm["vs_england"] == "better"
    assert adm["edition"] == "official" and adm["method"] == "interval"
    reab = table.loc[("reablement_91_days", "2020-21", "E10000025")]
    assert (round(reab["ci_lower"], 1), round(reab["ci_upper"], 1)) == (57.6, 66.2)
    assert reab["vs_england"] == "worse"


def test_regions_and_england_equal_the_per_area_function(
    real: tuple[pd.DataFrame, dict[str, list[str]]],
) -> None:
    rows, groups = real
    others = sorted(set(rows.loc[rows["area_level"] != "council", "area_code"]))
    table = national_outcomes(rows, groups, areas=others)
    assert set(table["area_code"]) == set(others)
    check_against_oracle(plain(rows), groups, others, table)


def test_is_quick_on_the_whole_country(real: tuple[pd.DataFrame, dict[str, list[str]]]) -> None:
    import time

    rows, groups = real
    national_outcomes(rows, groups)
    start = time.perf_counter()
    national_outcomes(rows, groups)
    assert time.perf_counter() - start < 2.0  # ~0.03 s; generous for a shared machine


# --- generated rows ----------------------------------------------------------------------------

COUNCILS = ("E06000001", "E06000002", "E08000003", "E09000004", "E10000005", "E10000006")
VALUES = (0.0, 1.5, 2.0, 7.25, 62.0, 441.7)  # few, so ties are common


def maybe(strategy: st.SearchStrategy[Any], none: float = 0.25) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.none()) if none else strategy


@st.composite
def measure_row(
    draw: st.DrawFn, source: str, code: str, edition: str, year: str, area: str, level: str
) -> dict[str, Any]:
    status = draw(st.sampled_from(("published", "published", "published", "suppressed")))
    value = None
    if status == "published":
        value = draw(
            st.one_of(
                st.sampled_from(VALUES),
                st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False),
                st.none(),
            )
        )
        if value is None:
            status = "not available"
    numerator = denominator = None
    counts = draw(st.sampled_from(("both", "both", "both", "none", "numerator", "denominator")))
    if counts in ("both", "denominator"):
        denominator = float(draw(st.integers(min_value=0, max_value=400)))
    if counts in ("both", "numerator"):
        numerator = float(draw(st.integers(min_value=0, max_value=440)))  # may exceed it
    return {
        "source": source,
        "edition": edition,
        "measure_code": code,
        "area_code": area,
        "area_name": f"Area {area}",
        "area_level": level,
        "year": year,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "margin_of_error": draw(maybe(st.sampled_from((0.3, 0.7)), 0.5)),
        "status": status,
        "file_name": f"{source}-{edition}-{year}.csv",
    }


FILES = (
    # (source, code, edition): the measure's own sources, both editions, an extra year
    ("ascof", "2A(2)", "official"),
    ("ascof", "2A(2)", "compiled"),
    ("ascof", "2B(1)", "official"),
    ("ascof", "1D", "compiled"),
    ("oflog", "ASC1", "official"),
    ("oflog", "ASC7", "official"),
)
MEASURES = (PERMANENT_ADMISSIONS, REABLEMENT_91_DAYS, CARER_QUALITY_OF_LIFE, WORKFORCE_TURNOVER)


@st.composite
def generated(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    councils = draw(st.lists(st.sampled_from(COUNCILS), min_size=1, max_size=6, unique=True))
    peers = st.sampled_from([*councils, *councils, REGION, ENGLAND, "E10000099"])
    rows: list[dict[str, Any]] = []
    for source, code, edition in FILES:
        for year in ("2019-20", "2020-21"):
            if not draw(st.booleans()):
                continue
            areas = [c for c in councils if draw(st.integers(0, 4))]  # most councils
            for area in areas:
                rows.append(draw(measure_row(source, code, edition, year, area, "council")))
            if source == "ascof" and draw(st.booleans()):
                rows.append(draw(measure_row(source, code, edition, year, ENGLAND, "england")))
            if draw(st.booleans()):
                rows.append(draw(measure_row(source, code, edition, year, REGION, "region")))
    comparators = {  # peers may be the area itself, a region, England or have no rows
        area: draw(st.lists(peers, max_size=5))
        for area in councils
        if draw(st.integers(0, 3))  # some councils have no comparator group
    }
    order = draw(st.permutations(range(len(rows)))) if rows else []
    frame = pd.DataFrame([rows[i] for i in order], columns=list(INPUT_COLUMNS))
    return frame, comparators


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated(), st.sampled_from((0.95, 0.998, 0.9)))
def test_generated_rows_equal_the_per_area_function(
    data: tuple[pd.DataFrame, dict[str, list[str]]], confidence: float
) -> None:
    rows, comparators = data
    areas = sorted(set(rows["area_code"]))
    table = national_outcomes(
        rows, comparators, measures=MEASURES, confidence=confidence, areas=areas
    )
    check_against_oracle(rows, comparators, areas, table, MEASURES, confidence)
    councils_only = national_outcomes(rows, comparators, measures=MEASURES, confidence=confidence)
    assert (councils_only["area_level"] == "council").all()
    assert len(councils_only) == (table["area_level"] == "council").sum()


# --- small cases, worked by hand ---------------------------------------------------------------


def row(area: str, value: float | None, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source": "oflog",
        "edition": "official",
        "measure_code": "ASC7",
        "area_code": area,
        "area_name": area,
        "area_level": "council" if area.startswith("E0") or area.startswith("E1") else "england",
        "year": "2022-23",
        "value": value,
        "numerator": None,
        "denominator": None,
        "margin_of_error": None,
        "status": "published" if value is not None else "suppressed",
        "file_name": "oflog.csv",
    }
    base.update(kw)
    return base


def test_ties_share_the_best_rank_and_low_is_good() -> None:
    values = {"E06000001": 30.0, "E06000002": 25.0, "E06000003": 25.0, "E06000004": 40.0}
    rows = pd.DataFrame([row(a, v) for a, v in values.items()], columns=list(INPUT_COLUMNS))
    table = national_outcomes(rows, {}, measures=[WORKFORCE_TURNOVER]).set_index("area_code")
    assert table["rank"].to_dict() == {
        "E06000001": 3,
        "E06000002": 1,
        "E06000003": 1,
        "E06000004": 4,
    }
    assert table["quartile"].to_dict() == {
        "E06000001": 3,
        "E06000002": 1,
        "E06000003": 1,
        "E06000004": 4,
    }
    assert (table["council_median"] == 27.5).all() and (table["councils"] == 4).all()
    assert (table["comparators_count"] == 0).all() and table["comparators"].isna().all()
    assert (table["method"] == "ranked").all() and (table["vs_england"] == "not compared").all()


def test_suppressed_council_has_a_point_without_a_rank() -> None:
    rows = pd.DataFrame(
        [row("E06000001", 30.0), row("E06000002", None), row("E06000003", 20.0)],
        columns=list(INPUT_COLUMNS),
    )
    peers = {"E06000002": ["E06000001", "E06000003"]}
    table = national_outcomes(rows, peers, measures=[WORKFORCE_TURNOVER]).set_index("area_code")
    suppressed = table.loc["E06000002"]
    assert suppressed["status"] == "suppressed" and pd.isna(suppressed["value"])
    assert pd.isna(suppressed["rank"]) and suppressed["councils"] == 2
    assert suppressed["comparators"] == 25.0 and suppressed["comparators_count"] == 2
    assert "mean of the published values of 2" in suppressed["comparators_method"]
    assert table.loc["E06000003", "rank"] == 1  # low is good


def test_empty_and_missing_columns() -> None:
    empty = national_outcomes(pd.DataFrame(columns=list(INPUT_COLUMNS)), {})
    assert list(empty.columns) == list(NATIONAL_COLUMNS) and empty.empty
    with pytest.raises(ValueError, match="lack columns"):
        national_outcomes(pd.DataFrame({"area_code": ["E06000001"]}), {})


def test_tied_files_are_chosen_the_same_way_every_time() -> None:
    """Two editions the preference does not order: the choice does not depend on a set's
    iteration order (the alphabetically first wins)."""
    rows = pd.DataFrame(
        [row("E06000001", 30.0, edition=e, file_name=f"{e}.csv") for e in ("zeta", "alpha")],
        columns=list(INPUT_COLUMNS),
    )
    table = national_outcomes(rows, {}, measures=[WORKFORCE_TURNOVER])
    assert table["edition"].tolist() == ["alpha"] and table["file_name"].tolist() == ["alpha.csv"]


def test_pooled_only_when_every_valued_peer_has_counts() -> None:
    """An area with counts is compared with its peers' pooled rate only when every peer with
    a value has a numerator and denominator; one without makes it the mean of the values."""
    admissions = {"source": "ascof", "measure_code": "2A(2)"}
    area = row("E06000001", 441.7, numerator=575.0, denominator=130189.0, **admissions)
    counted = row("E06000002", 500.0, numerator=500.0, denominator=100000.0, **admissions)
    value_only = row("E06000003", 400.0, **admissions)
    peers = {"E06000001": ["E06000002", "E06000003"]}
    for rows, expected, method, outcome in (
        ([area, counted], 500.0, "pooled over 1", "better"),  # interval 406.3 to 479.3
        ([area, counted, value_only], 450.0, "mean of the published values of 2", "similar"),
    ):
        frame = pd.DataFrame(rows, columns=list(INPUT_COLUMNS))
        table = national_outcomes(frame, peers, measures=[PERMANENT_ADMISSIONS])
        point = table.set_index("area_code").loc["E06000001"]
        assert point["comparators"] == pytest.approx(expected)
        assert point["comparators_method"].startswith(method)
        assert point["method"] == "interval" and point["vs_comparators"] == outcome
        areas = sorted(frame["area_code"])
        check_against_oracle(frame, peers, areas, table, [PERMANENT_ADMISSIONS])
