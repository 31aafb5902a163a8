"""The profile assembly on small hand-made tables, checked by hand arithmetic."""

from __future__ import annotations

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


def test_england_is_sum_of_councils_and_comparators_pooled() -> None:
    rows = []
    for p in range(3):
        rows += [
            ("readmissions_30d_65", A, p, 50, 200),
            ("readmissions_30d_65", B, p, 30, 100),
            ("readmissions_30d_65", C, p, 20, 100),
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
    # the control chart is drawn from the two points that can be published
    assert shown.spc is not None and shown.spc.trial_limits


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
