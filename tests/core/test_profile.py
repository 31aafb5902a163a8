"""The profile assembly on small hand-made tables, checked by hand arithmetic."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from lsr.core.profile import ProfileSettings, area_profile, compute_profile_table

PERIODS = pd.to_datetime(["2018-01-01", "2018-02-01", "2018-03-01"])


def _counts(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator", "area_code", "p", "numerator", "denominator"])
    frame["period"] = PERIODS[frame["p"]]
    frame["synthetic"] = False
    frame["source"] = "hand-made"
    return frame.drop(columns="p")


AREAS = {"E1": "E10000001", "E2": "E10000002", "E3": "E10000003"}
NAMES = {v: f"Area {k}" for k, v in AREAS.items()} | {"E92000001": "England"}
A, B, C = AREAS["E1"], AREAS["E2"], AREAS["E3"]
GROUPS = {A: [B, C], B: [A, C], C: [A, B]}


def test_england_is_the_england_row_and_comparators_pooled() -> None:
    rows = []
    for p in range(3):
        rows += [
            ("readmissions_30d_65", A, p, 50, 200),
            ("readmissions_30d_65", B, p, 30, 100),
            ("readmissions_30d_65", C, p, 20, 100),
            ("readmissions_30d_65", "E92000001", p, 100, 400),
        ]
    table = compute_profile_table(_counts(rows), GROUPS)
    pts = table.points.set_index(["area_code", "period"])
    row = pts.loc[(A, PERIODS[0])]
    assert row["value"] == pytest.approx(25.0)
    assert row["england"] == pytest.approx(100 / 400 * 100)  # (50+30+20)/(200+100+100)
    assert row["comparators"] == pytest.approx(50 / 200 * 100)  # B and C pooled
    # Wilson interval for 50/200, computed here independently
    z = 1.959964
    x, n = 50, 200
    centre = 2 * x + z**2
    half = z * math.sqrt(z**2 + 4 * x * (1 - x / n))
    assert row["ci_lower"] == pytest.approx((centre - half) / (2 * (n + z**2)) * 100)
    assert row["ci_upper"] == pytest.approx((centre + half) / (2 * (n + z**2)) * 100)
    assert row["vs_england"] == "similar"  # 25% lies inside A's own interval


def test_better_and_worse_by_polarity() -> None:
    rows = []
    for p in range(3):
        rows += [
            ("readmissions_30d_65", A, p, 100, 1000),  # 10%, interval about 8.3-12.0
            ("readmissions_30d_65", B, p, 300, 1000),  # 30%
            ("readmissions_30d_65", C, p, 200, 1000),
            ("readmissions_30d_65", "E92000001", p, 600, 3000),
        ]
    table = compute_profile_table(_counts(rows), GROUPS)
    pts = table.points.set_index(["area_code", "period"])
    assert pts.loc[(A, PERIODS[1]), "vs_england"] == "better"  # low is good, England 20%
    assert pts.loc[(B, PERIODS[1]), "vs_england"] == "worse"
    assert pts.loc[(A, PERIODS[1]), "vs_comparators"] == "better"  # B+C pooled 25%


def test_published_england_row_wins_over_sum() -> None:
    rows = [("emergency_admissions_65", a, p, 100, 10_000) for a in (A, B, C) for p in range(3)]
    rows += [("emergency_admissions_65", "E92000001", p, 5_000, 100_000) for p in range(3)]
    table = compute_profile_table(_counts(rows), GROUPS)
    a_rows = table.points[table.points["area_code"] == A]
    assert a_rows["england"].tolist() == pytest.approx([5_000.0] * 3)  # per 100,000


def test_england_never_comes_from_the_councils_loaded() -> None:
    """Counts loaded for one council only: England is not that council (an independent check
    found England equal to the area after `lsr load counts` for one area); with no England row
    the comparison is "not compared", with the reason."""
    rows = [("emergency_admissions_65", A, p, 100 + p, 10_000) for p in range(3)]
    table = compute_profile_table(_counts(rows), GROUPS)
    assert table.points["england"].isna().all()
    assert (table.points["vs_england"] == "not compared").all()
    assert table.points["england_method"].str.contains("no England figure").all()
    profile = area_profile(table, A, NAMES, GROUPS, "hand-made")
    point = profile.indicators[1].points[0]
    assert point.england is None
    assert point.vs_england.outcome == "not compared"
    assert "no England figure" in point.vs_england.method
    assert point.vs_england.confidence is None
    assert "none of them has a figure" in point.vs_comparators.method


def test_england_row_for_some_periods_only() -> None:
    rows = [("emergency_admissions_65", a, p, 100, 10_000) for a in (A, B, C) for p in range(3)]
    rows += [("emergency_admissions_65", "E92000001", 1, 5_000, 100_000)]
    table = compute_profile_table(_counts(rows), GROUPS)
    a_rows = table.points[table.points["area_code"] == A].reset_index(drop=True)
    assert a_rows["england"].isna().tolist() == [True, False, True]
    assert a_rows["vs_england"].tolist()[0] == "not compared"
    assert a_rows["vs_england"].tolist()[1] == "better"  # 1,000 vs 5,000 per 100,000


def test_dtoc_is_not_compared_by_interval() -> None:
    rows = [("dtoc_18", a, p, 3445, 539_000 * 31) for a in (A, B, C) for p in range(3)]
    table = compute_profile_table(_counts(rows), GROUPS)
    row = table.points.iloc[0]
    assert row["value"] == pytest.approx(20.617, abs=1e-3)
    assert row["vs_england"] == "not compared"
    assert "correlated" in row["compare_method"]
    assert math.isnan(row["ci_lower"])


def test_small_numbers_suppressed_and_not_compared() -> None:
    rows = []
    for p in range(3):
        rows += [
            ("care_home_admissions_65", A, p, 5 if p == 1 else 40, 100_000),
            ("care_home_admissions_65", B, p, 40, 100_000),
            ("care_home_admissions_65", C, p, 40, 100_000),
        ]
    table = compute_profile_table(_counts(rows), GROUPS)
    prof = area_profile(table, A, NAMES, GROUPS, "hand-made groups")
    ind = next(i for i in prof.indicators if i.indicator.id == "care_home_admissions_65")
    hidden = ind.points[1]
    assert hidden.suppressed and hidden.numerator is None and hidden.value is None
    assert hidden.numerator_display == "*"
    assert hidden.vs_england.outcome == "not compared"
    assert hidden.spc is None
    shown = ind.points[0]
    assert shown.numerator_display == "40" and shown.value == pytest.approx(40.0)
    # A suppressed month is a gap: no moving range spans it, and the two months that can be
    # published are not consecutive, so there is no moving range and no control chart.
    assert shown.spc is None
    rows = [r for r in rows if r[2] != 0]  # February (suppressed) and March only
    table = compute_profile_table(_counts(rows), GROUPS)
    prof = area_profile(table, B, NAMES, GROUPS, "hand-made groups")
    ind = next(i for i in prof.indicators if i.indicator.id == "care_home_admissions_65")
    assert ind.points[0].spc is not None and ind.points[0].spc.trial_limits


def test_missing_months_are_gaps_named_and_not_joined() -> None:
    periods = pd.to_datetime(["2018-01-01", "2018-02-01", "2018-05-01", "2018-06-01", "2018-08-01"])
    frame = pd.DataFrame(
        {
            "indicator": "dtoc_18",
            "area_code": [a for a in (A, "E92000001") for _ in periods],
            "period": list(periods) * 2,
            "numerator": [100.0, 120.0, 90.0, 400.0, 110.0] * 2,
            "denominator": 31e5,
            "synthetic": False,
            "source": "hand-made",
        }
    )
    table = compute_profile_table(frame, GROUPS)
    ind = area_profile(table, A, NAMES, GROUPS, "m").indicators[4]
    assert [d.isoformat() for d in ind.missing_periods] == [
        "2018-03-01",
        "2018-04-01",
        "2018-07-01",
    ]
    spc = ind.points[0].spc
    # limits from the 5 points; moving ranges only Jan-Feb (20) and May-Jun (310)
    mean = sum([100.0, 120.0, 90.0, 400.0, 110.0]) / 5 / 31e5 * 1e5
    assert spc.centre == pytest.approx(mean)
    assert spc.upper_limit == pytest.approx(mean + 2.66 * (20 + 310) / 2 / 31e5 * 1e5)
    assert "2 gaps" in ind.spc_rule_set


def test_suppression_can_be_switched_off() -> None:
    rows = [("care_home_admissions_65", a, p, 5, 100_000) for a in (A, B, C) for p in range(3)]
    table = compute_profile_table(_counts(rows), GROUPS, ProfileSettings(suppress=False))
    assert not table.points["suppressed"].any()


def test_area_profile_shape_and_json() -> None:
    rows = [("readmissions_30d_65", a, p, 50 + p, 200) for a in (A, B, C) for p in range(3)]
    table = compute_profile_table(_counts(rows), GROUPS)
    prof = area_profile(table, A, NAMES, GROUPS, "hand-made groups")
    assert [i.indicator.number for i in prof.indicators] == [1, 2, 3, 4, 5, 6]
    readm = prof.indicators[5]
    assert len(readm.points) == 3 and readm.points[-1].period_label == "Mar 2018"
    assert readm.variation_icon is not None
    assert "XmR" in readm.spc_rule_set
    assert prof.indicators[0].points == ()  # no data loaded for indicator 1
    data = prof.to_dict()
    assert data["area_name"] == "Area E1"
    assert data["indicators"][5]["points"][0]["period"] == "2018-01-01"
    assert data["comparator_names"] == ["Area E2", "Area E3"]


def test_unknown_area() -> None:
    rows = [("readmissions_30d_65", a, p, 50, 200) for a in (A, B, C) for p in range(3)]
    table = compute_profile_table(_counts(rows), GROUPS)
    with pytest.raises(KeyError):
        area_profile(table, "E10009999", NAMES, GROUPS, "x")


def test_person_level_counts_are_published_rounded_never_exact() -> None:
    """docs/methods/profile.md: counts from person-level data are shown rounded to the nearest
    5 (1-7 as "*"); a proportion's denominator is such a count too. The exact counts must not
    reach the report's tables or the JSON."""
    rows = []
    for p in range(3):
        rows += [
            ("readmissions_30d_65", A, p, 123, 641),
            ("readmissions_30d_65", B, p, 6, 97),
            ("readmissions_30d_65", C, p, 0, 50),
            ("readmissions_30d_65", "E92000001", p, 129, 788),
            ("emergency_admissions_65", A, p, 1_234, 123_177),
            ("emergency_admissions_65", "E92000001", p, 98_766, 10_030_511),
        ]
    table = compute_profile_table(_counts(rows), GROUPS)
    profile = area_profile(table, A, NAMES, GROUPS, "hand-made")
    readmission = profile.indicators[5].points[0]
    assert readmission.numerator_display == "125"
    assert readmission.numerator == 125
    assert readmission.denominator_display == "640"
    assert readmission.denominator == 640
    assert readmission.value == pytest.approx(123 / 641 * 100)  # computed from exact counts
    admissions = profile.indicators[1].points[0]
    assert admissions.numerator == 1_235
    assert admissions.denominator == 123_177  # a population is not a person-level count
    b = area_profile(table, B, NAMES, GROUPS, "hand-made").indicators[5].points[0]
    assert b.suppressed and b.numerator is None and b.numerator_display == "*"
    text = json.dumps(profile.to_dict())
    assert "1234" not in text and "641" not in text and "123.0," not in text
    from lsr.report.charts import chart_data_table

    assert chart_data_table(profile.indicators[5])[0]["numerator"] == "125"
    assert chart_data_table(profile.indicators[5])[0]["denominator"] == "640"


def test_points_carry_their_source_and_synthetic_flag() -> None:
    rows = [
        ("emergency_admissions_65", a, p, 100, 10_000) for a in (A, "E92000001") for p in range(3)
    ]
    counts = _counts(rows)
    counts["synthetic"] = True
    counts["source"] = "SYNTHETIC: test"
    profile = area_profile(compute_profile_table(counts, GROUPS), A, NAMES, GROUPS, "hand-made")
    point = profile.to_dict()["indicators"][1]["points"][0]
    assert point["synthetic"] is True and point["source"] == "SYNTHETIC: test"


def test_confidence_level_is_carried_to_the_profile() -> None:
    rows = [
        ("emergency_admissions_65", a, p, 100, 10_000) for a in (A, "E92000001") for p in range(3)
    ]
    table = compute_profile_table(_counts(rows), GROUPS, ProfileSettings(confidence=0.998))
    profile = area_profile(table, A, NAMES, GROUPS, "hand-made")
    assert profile.confidence == 0.998
    from lsr.report.charts import data_table_columns

    assert dict(data_table_columns(profile.confidence))["ci"] == "99.8% confidence interval"
    assert "99.8% Poisson interval" in profile.indicators[1].points[0].vs_england.method


def test_sources_that_differ_only_in_population_year_are_folded() -> None:
    from lsr.core.profile import summarise_sources

    text = summarise_sources(
        [
            "NHS England DToC; ONS mid-year population 2011",
            "NHS England DToC; ONS mid-year population 2015",
            "NHS England DToC; ONS mid-year population 2016",
            "NHS England DToC; ONS mid-year population 2018",
            "counts.csv",
            "counts.csv",
        ]
    )
    assert text == "counts.csv; NHS England DToC; ONS mid-year population 2011, 2015-2016, 2018"
