"""A seeded, plausible synthetic winter of daily situation data, for the demo and for tests.

**SYNTHETIC**: these numbers describe no real hospital. They are stored with
``synthetic = TRUE`` and the source :data:`SYNTHETIC_SOURCE`, and every page and export that
shows them says so.

The shape: an acute bed base scaled to the area's population (about 1,050 adult general and
acute beds for Oxfordshire's 690,000 people), with escalation beds opened from mid-December;
emergency admissions with a weekly cycle (fewer at weekends) and a winter peak in the first
week of January; discharges split by pathway (about 60% pathway 0, 25% pathway 1, 10% pathway
2, 5% pathway 3) and pulled towards a target occupancy of about 95%; people medically fit for
discharge rising through the winter with a split by reason that adds up; and the capacity of
home care, step-down and discharge-to-assess care home beds, nearly full. One seed gives the
same numbers on every machine (numpy's PCG64).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from lsr.data.daily import ALL_COLUMNS, store_synthetic

__all__ = [
    "DEMO_AREA",
    "DEMO_DAYS",
    "SYNTHETIC_SOURCE",
    "demo_window",
    "load_synthetic_daily",
    "synthetic_daily",
]

DEMO_AREA = "E10000025"
"""Oxfordshire, the demo review's area."""
DEMO_DAYS = 151
"""Days of the demo's synthetic series (a November-to-March winter is 151 days)."""
SYNTHETIC_SOURCE = "SYNTHETIC demo winter (lsr.data.synthetic_daily)"
_OXFORDSHIRE_POPULATION = 690_000.0
_BEDS_PER_PERSON = 1_050 / _OXFORDSHIRE_POPULATION


def demo_window(today: date | None = None) -> tuple[date, date]:
    """The demo's dates: the :data:`DEMO_DAYS` days up to ``today`` (the dashboard forecasts
    from the last day loaded, so the demo always ends today)."""
    end = today or date.today()
    return end - timedelta(days=DEMO_DAYS - 1), end


def _winter_curve(days: pd.DatetimeIndex) -> np.ndarray:
    """0 in early autumn and late spring, 1 in the first week of January."""
    doy = days.day_of_year.to_numpy()
    distance = np.minimum(np.abs(doy - 5), 365 - np.abs(doy - 5))  # days from 5 January
    return np.exp(-0.5 * (distance / 45.0) ** 2)


def synthetic_daily(
    area_code: str = DEMO_AREA,
    start: date | None = None,
    end: date | None = None,
    *,
    population: float = _OXFORDSHIRE_POPULATION,
    seed: int = 2019,
) -> pd.DataFrame:
    """A synthetic daily situation frame for one area (:data:`ALL_COLUMNS`, one row a day from
    ``start`` to ``end``, default :func:`demo_window`), scaled to ``population``."""
    if start is None or end is None:
        start, end = demo_window(end)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    rng = np.random.default_rng([seed, int(area_code[1:])])
    days = pd.date_range(start, end, freq="D")
    n = len(days)
    winter = _winter_curve(days)
    scale = population * _BEDS_PER_PERSON / 1_050
    base_beds = round(1_050 * scale)
    escalation = np.round(45 * scale * np.clip((winter - 0.55) / 0.3, 0, 1))
    beds_open = base_beds + escalation
    weekday = days.day_of_week.to_numpy()
    weekly = np.where(weekday >= 5, 0.85, 1.04)
    admissions = rng.poisson(185 * scale * weekly * (1 + 0.14 * winter))
    occupied = np.empty(n)
    level = 0.93 * base_beds
    discharges = np.empty(n)
    for i in range(n):
        target = beds_open[i] * (0.94 + 0.04 * winter[i])
        expected = admissions[i] + 0.25 * (level - target)
        out = max(0.0, rng.normal(expected * (1.12 if weekday[i] < 5 else 0.7), 6 * scale))
        level = max(0.7 * base_beds, level + admissions[i] - out)
        occupied[i] = round(level)
        discharges[i] = round(out)
    shares = rng.dirichlet([60, 25, 10, 5], size=n)
    pathways = np.floor(shares * discharges[:, None])
    pathways[:, 0] += discharges - pathways.sum(axis=1)
    mffd = np.minimum(
        occupied, np.round(rng.normal(105 * scale * (1 + 0.45 * winter), 6 * scale))
    ).clip(0)
    reason_shares = rng.dirichlet([20, 35, 20, 15, 10], size=n)
    reasons = np.floor(reason_shares * mffd[:, None])
    reasons[:, 4] += mffd - reasons.sum(axis=1)
    home_care_capacity = np.round(420 * scale + np.zeros(n))
    step_down_beds = np.round(55 * scale + np.zeros(n))
    care_home_beds = np.round(70 * scale + np.zeros(n))

    def used(capacity: np.ndarray, share: float) -> np.ndarray:
        fill = share + 0.04 * winter + rng.normal(0, 0.015, n)
        return np.minimum(capacity, np.round(capacity * fill)).clip(0)

    frame = pd.DataFrame(
        {
            "area_code": area_code,
            "date": [d.date() for d in days],
            "beds_open": beds_open,
            "beds_occupied": occupied,
            "admissions": admissions.astype(float),
            "discharges_p0": pathways[:, 0],
            "discharges_p1": pathways[:, 1],
            "discharges_p2": pathways[:, 2],
            "discharges_p3": pathways[:, 3],
            "mffd": mffd,
            "mffd_awaiting_assessment": reasons[:, 0],
            "mffd_awaiting_home_care": reasons[:, 1],
            "mffd_awaiting_step_down": reasons[:, 2],
            "mffd_awaiting_care_home": reasons[:, 3],
            "mffd_other": reasons[:, 4],
            "home_care_capacity": home_care_capacity,
            "home_care_in_use": used(home_care_capacity, 0.93),
            "step_down_beds": step_down_beds,
            "step_down_occupied": used(step_down_beds, 0.9),
            "care_home_beds": care_home_beds,
            "care_home_occupied": used(care_home_beds, 0.9),
        },
        columns=list(ALL_COLUMNS),
    )
    for name in ALL_COLUMNS[2:]:
        frame[name] = frame[name].astype("float64")
    frame.attrs["synthetic"] = True
    return frame


def load_synthetic_daily(
    con: duckdb.DuckDBPyConnection,
    area_code: str = DEMO_AREA,
    start: date | None = None,
    end: date | None = None,
    *,
    seed: int = 2019,
    population: float | None = None,
) -> int:
    """Store a synthetic winter for ``area_code`` (labelled synthetic; replaces that area's
    synthetic rows on the same dates, never real rows); returns the rows written. The
    population, when not given, is read from the store (Oxfordshire's when unknown)."""
    if population is None:
        row = con.execute(
            "SELECT population FROM population WHERE area_code = ? AND age_band = 'all' "
            "ORDER BY year DESC LIMIT 1",
            [area_code],
        ).fetchone()
        population = float(row[0]) if row else _OXFORDSHIRE_POPULATION
    real = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'daily_situation'"
    ).fetchone()
    if real and real[0]:
        has_real = con.execute(
            "SELECT count(*) FROM daily_situation WHERE area_code = ? AND NOT synthetic",
            [area_code],
        ).fetchone()
        if has_real and has_real[0]:
            return 0  # real data is never mixed with or replaced by synthetic rows
    frame = synthetic_daily(area_code, start, end, population=population, seed=seed)
    first, last = frame["date"].iloc[0], frame["date"].iloc[-1]
    return store_synthetic(
        con, frame, label=SYNTHETIC_SOURCE, key=f"{area_code}:{first}:{last}:{seed}"
    )
