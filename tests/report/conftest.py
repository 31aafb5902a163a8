"""Hand-built profiles for the report tests.

Nothing here imports ``lsr.core.profile``: the profiles are written out by hand (with simple,
visible arithmetic for the control limits) so that the report code is tested on its own.

``oxfordshire_profile`` is an Oxfordshire-like six-indicator profile with:

* indicator 1 — 16 quarters, consistently significantly better than England, all common cause;
* indicator 2 — 16 quarters, mostly better, some similar;
* indicator 3 — 16 quarters with suppressed numerators (shown as ``*``);
* indicator 4 — a two-point series (trial limits);
* indicator 5 — 16 months, "not compared" (no interval), special causes including the latest;
* indicator 6 — SYNTHETIC, 16 quarters, mostly worse, special cause concern in the latest point.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date
from statistics import mean

import pytest

from lsr.core.indicators import (
    AE_ATTENDANCES,
    CARE_HOME_ADMISSIONS,
    DELAYED_TRANSFERS,
    EMERGENCY_ADMISSIONS,
    LONG_STAYS,
    READMISSIONS,
    Indicator,
)
from lsr.core.profile_types import (
    AreaProfile,
    Comparison,
    IndicatorProfile,
    ProfilePoint,
    SpcPointResult,
)

STAT_METHOD = "benchmark value outside the area's 95% confidence interval"
NOT_COMPARED_METHOD = "no confidence interval for this statistic"
RULE_SET = (
    "NHS Improvement 'Making Data Count' rules: a point outside the 3-sigma limits; a run of 6 "
    "increasing or decreasing points; 2 of 3 points beyond 2 sigma on the same side; a run of 8 "
    "points on one side of the centre line."
)


def quarters(first_year: int, n: int) -> list[tuple[date, str]]:
    """``n`` financial quarters starting Q1 of ``first_year``/``first_year + 1``."""
    out = []
    for i in range(n):
        year = first_year + i // 4
        q = i % 4 + 1
        month = (4, 7, 10, 1)[q - 1]
        cal_year = year if q < 4 else year + 1
        out.append((date(cal_year, month, 1), f"Q{q} {year}/{str(year + 1)[-2:]}"))
    return out


def months(first: date, n: int) -> list[tuple[date, str]]:
    """``n`` calendar months from ``first``."""
    out = []
    y, m = first.year, first.month
    for _ in range(n):
        d = date(y, m, 1)
        out.append((d, d.strftime("%B %Y")))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def limits(values: Sequence[float]) -> tuple[float, float, float, float, float]:
    """XmR limits: centre, LCL, UCL, lower and upper 2-sigma lines."""
    centre = mean(values)
    mr = mean(abs(b - a) for a, b in itertools.pairwise(values)) if len(values) > 1 else 0
    sigma = mr / 1.128
    return centre, centre - 3 * sigma, centre + 3 * sigma, centre - 2 * sigma, centre + 2 * sigma


def build_indicator(
    indicator: Indicator,
    periods: Sequence[tuple[date, str]],
    values: Sequence[float | None],
    england: Sequence[float | None],
    comparators: Sequence[float | None] | None = None,
    vs_england: Sequence[str] | None = None,
    vs_comparators: Sequence[str] | None = None,
    point_types: Sequence[str] | None = None,
    rules: Sequence[str | None] | None = None,
    spc: bool = True,
    synthetic: bool = False,
    suppressed: Sequence[bool] | None = None,
    ci_halfwidth: float | None = 1.0,
    variation_icon: str | None = "common_cause",
    assurance_icon: str | None = None,
    denominator: float = 100_000.0,
    source: str = "Hospital Episode Statistics (NHS Digital)",
    spc_rule_set: str = RULE_SET,
) -> IndicatorProfile:
    """An IndicatorProfile from plain lists (one entry per period)."""
    n = len(values)
    comparators = comparators if comparators is not None else [None] * n
    vs_england = vs_england if vs_england is not None else ["similar"] * n
    vs_comparators = vs_comparators if vs_comparators is not None else ["not compared"] * n
    point_types = point_types if point_types is not None else ["common_cause"] * n
    rules = rules if rules is not None else [None] * n
    suppressed = suppressed if suppressed is not None else [False] * n
    present = [v for v in values if v is not None]
    centre, lcl, ucl, l2, u2 = limits(present) if present else (0.0, 0.0, 0.0, 0.0, 0.0)
    points = []
    for i, ((period, label), value) in enumerate(zip(periods, values, strict=True)):
        numerator = None if value is None else round(value * denominator / indicator.multiplier)
        stat_e = vs_england[i] != "not compared"
        stat_c = vs_comparators[i] != "not compared"
        spc_result = (
            SpcPointResult(
                centre=centre,
                lower_limit=lcl,
                upper_limit=ucl,
                lower_2sigma=l2,
                upper_2sigma=u2,
                point_type=point_types[i],
                rule=rules[i],
                trial_limits=len(present) < 13,
            )
            if spc and value is not None
            else None
        )
        half = ci_halfwidth
        points.append(
            ProfilePoint(
                period=period,
                period_label=label,
                numerator=numerator,
                denominator=denominator,
                value=value,
                ci_lower=None if value is None or half is None else value - half,
                ci_upper=None if value is None or half is None else value + half,
                england=england[i],
                comparators=comparators[i],
                vs_england=Comparison(
                    vs_england[i],
                    STAT_METHOD if stat_e else NOT_COMPARED_METHOD,
                    0.95 if stat_e else None,
                    england[i],
                ),
                vs_comparators=Comparison(
                    vs_comparators[i],
                    STAT_METHOD if stat_c else NOT_COMPARED_METHOD,
                    0.95 if stat_c else None,
                    comparators[i],
                ),
                spc=spc_result,
                suppressed=suppressed[i],
                numerator_display="*" if suppressed[i] else "",
            )
        )
    return IndicatorProfile(
        indicator=indicator,
        points=tuple(points),
        variation_icon=variation_icon if spc else None,
        assurance_icon=assurance_icon,
        spc_rule_set=spc_rule_set,
        synthetic=synthetic,
        source=source,
    )


COMPARATOR_NAMES = (
    "Buckinghamshire",
    "Cambridgeshire",
    "Gloucestershire",
    "Hertfordshire",
    "West Sussex",
    "Wiltshire",
)
COMPARATOR_CODES = ("E10000002", "E10000003", "E10000013", "E10000015", "E10000032", "E06000054")


def oxfordshire() -> AreaProfile:
    """The Oxfordshire-like six-indicator profile described in the module docstring."""
    q16 = quarters(2014, 16)

    ae = build_indicator(
        AE_ATTENDANCES,
        q16,
        [
            62.1,
            63.4,
            61.8,
            64.0,
            62.7,
            63.9,
            62.2,
            65.1,
            63.0,
            64.4,
            62.9,
            65.6,
            63.3,
            64.8,
            63.1,
            64.2,
        ],
        [
            78.4,
            79.0,
            80.2,
            81.1,
            79.9,
            80.6,
            81.3,
            82.0,
            81.2,
            82.4,
            82.9,
            83.5,
            82.7,
            83.9,
            84.1,
            84.6,
        ],
        comparators=[
            70.1,
            70.8,
            71.2,
            71.9,
            70.5,
            71.6,
            72.0,
            72.8,
            71.9,
            72.5,
            73.0,
            73.4,
            72.8,
            73.6,
            73.9,
            74.2,
        ],
        vs_england=["better"] * 16,
        vs_comparators=["better"] * 14 + ["similar"] * 2,
        ci_halfwidth=1.2,
        assurance_icon="consistent_pass",
        source="Hospital Episode Statistics A&E (NHS Digital); ONS mid-year population estimates",
    )
    emergency = build_indicator(
        EMERGENCY_ADMISSIONS,
        q16,
        [
            6120.4,
            6231.9,
            6345.0,
            6610.2,
            6190.7,
            6288.1,
            6402.5,
            6720.9,
            6240.3,
            6301.8,
            6455.2,
            6801.1,
            6270.5,
            6355.0,
            6490.6,
            6850.3,
        ],
        [
            6890.2,
            6950.7,
            7020.1,
            7350.4,
            6920.6,
            7010.3,
            7101.8,
            7400.2,
            6980.9,
            7050.5,
            7160.0,
            7450.8,
            7010.2,
            7105.7,
            7205.3,
            7490.1,
        ],
        comparators=[6500.0] * 16,
        vs_england=["better"] * 12 + ["similar"] * 4,
        vs_comparators=["similar"] * 16,
        ci_halfwidth=150.0,
        assurance_icon="consistent_pass",
    )
    care_homes = build_indicator(
        CARE_HOME_ADMISSIONS,
        q16,
        [
            410.2,
            395.7,
            388.1,
            452.3,
            401.6,
            380.4,
            376.9,
            440.8,
            392.0,
            371.5,
            369.8,
            430.2,
            385.7,
            362.1,
            350.4,
            345.9,
        ],
        [
            520.1,
            515.4,
            530.2,
            560.7,
            525.3,
            519.8,
            533.0,
            566.1,
            528.4,
            522.9,
            537.5,
            570.3,
            531.2,
            526.0,
            540.1,
            574.8,
        ],
        comparators=[480.0] * 16,
        vs_england=["similar"] * 14 + ["better"] * 2,
        vs_comparators=["similar"] * 16,
        suppressed=[False] * 5 + [True, True] + [False] * 9,
        ci_halfwidth=60.0,
        assurance_icon="inconsistent",
    )
    long_stays = build_indicator(
        LONG_STAYS,
        q16[-2:],
        [31.4, 29.8],
        [35.2, 35.0],
        comparators=[33.9, 33.5],
        vs_england=["better", "better"],
        vs_comparators=["better", "better"],
        ci_halfwidth=0.9,
        denominator=100.0,
    )
    dtoc_months = months(date(2017, 4, 1), 16)
    dtoc_values: list[float | None] = [
        41.2,
        39.8,
        40.5,
        34.1,
        31.9,
        30.2,
        28.7,
        26.4,
        25.1,
        24.8,
        22.3,
        21.0,
        19.4,
        17.9,
        16.7,
        20.6,
    ]
    dtoc = build_indicator(
        DELAYED_TRANSFERS,
        dtoc_months,
        dtoc_values,
        [
            14.1,
            13.9,
            13.6,
            13.2,
            12.9,
            12.4,
            12.0,
            11.8,
            11.5,
            11.3,
            11.0,
            10.8,
            10.6,
            10.5,
            10.4,
            10.3,
        ],
        comparators=[
            15.2,
            15.0,
            14.8,
            14.1,
            13.7,
            13.2,
            12.9,
            12.5,
            12.2,
            12.0,
            11.8,
            11.6,
            11.3,
            11.1,
            11.0,
            10.9,
        ],
        vs_england=["not compared"] * 16,
        vs_comparators=["not compared"] * 16,
        point_types=["special_cause_concern"] * 3
        + ["common_cause"] * 8
        + ["special_cause_improvement"] * 5,
        rules=["outside_limits"] * 3 + [None] * 8 + ["shift"] * 5,
        ci_halfwidth=None,
        variation_icon="improvement_low",
        assurance_icon="consistent_fail",
        source="Delayed Transfers of Care, NHS England; ONS mid-year population estimates",
    )
    readmissions = build_indicator(
        READMISSIONS,
        q16,
        [
            19.6,
            19.9,
            20.1,
            19.8,
            20.3,
            19.7,
            20.0,
            20.4,
            19.9,
            20.2,
            20.6,
            20.1,
            20.0,
            20.5,
            20.9,
            21.3,
        ],
        [
            18.8,
            18.9,
            19.0,
            19.1,
            18.9,
            19.0,
            19.1,
            19.2,
            19.0,
            19.1,
            19.2,
            19.1,
            19.0,
            19.1,
            19.0,
            19.0,
        ],
        comparators=[19.2] * 16,
        vs_england=["similar"] * 4 + ["worse"] * 12,
        vs_comparators=["similar"] * 12 + ["worse"] * 4,
        point_types=["common_cause"] * 15 + ["special_cause_concern"],
        rules=[None] * 15 + ["two_of_three"],
        synthetic=True,
        ci_halfwidth=0.4,
        variation_icon="concern_high",
        assurance_icon="inconsistent",
        denominator=4000.0,
        source="SYNTHETIC demonstration series generated for this example",
    )
    return AreaProfile(
        area_code="E10000025",
        area_name="Oxfordshire",
        comparator_method="CIPFA nearest neighbours (2019)",
        comparator_codes=COMPARATOR_CODES,
        comparator_names=COMPARATOR_NAMES,
        indicators=(ae, emergency, care_homes, long_stays, dtoc, readmissions),
        notes=("Delayed transfers of care data is monthly and runs to July 2018.",),
    )


@pytest.fixture
def oxfordshire_profile() -> AreaProfile:
    """The six-indicator Oxfordshire-like profile."""
    return oxfordshire()


@pytest.fixture(scope="session")
def make_indicator() -> Callable[..., IndicatorProfile]:
    """``build_indicator`` as a fixture, for hand-made sentence cases."""
    return build_indicator


@pytest.fixture(scope="session")
def make_quarters() -> Callable[[int, int], list[tuple[date, str]]]:
    """``quarters`` as a fixture."""
    return quarters


@pytest.fixture(scope="session")
def make_months() -> Callable[[date, int], list[tuple[date, str]]]:
    """``months`` as a fixture."""
    return months


@pytest.fixture
def empty_indicator() -> IndicatorProfile:
    """An indicator with no points at all."""
    return IndicatorProfile(
        indicator=LONG_STAYS,
        points=(),
        variation_icon=None,
        assurance_icon=None,
        spc_rule_set=RULE_SET,
        synthetic=False,
        source="none",
    )


def replace_indicator(profile: AreaProfile, index: int, ind: IndicatorProfile) -> AreaProfile:
    """A copy of ``profile`` with one indicator replaced."""
    inds = list(profile.indicators)
    inds[index] = ind
    return AreaProfile(**{**profile.__dict__, "indicators": tuple(inds)})


@pytest.fixture
def with_indicator() -> Callable[[AreaProfile, int, IndicatorProfile], AreaProfile]:
    """``replace_indicator`` as a fixture."""
    return replace_indicator


GENERATED = date(2019, 1, 15)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The Oxfordshire profile rendered once to HTML and PDF (slow: charts and WeasyPrint)."""
    from lsr.report.render import render_profile

    out = tmp_path_factory.mktemp("rendered")
    paths = render_profile(oxfordshire(), out, ("html", "pdf"), generated=GENERATED)
    return {
        "paths": paths,
        "html": (out / "profile.html").read_text(encoding="utf-8"),
        "pdf": out / "profile.pdf",
    }
