"""The winter dashboard's data: an area's daily situation from the store, today's state, the
daily control charts, and the six-week forecast with and without the what-if levers.

The daily rows are read through a brief read-only connection (:func:`lsr.web.plan.indicators.
read_store`), so ``lsr load daily`` can write while the server runs; :func:`revision` is the
cheap token the page polls (it changes with every load). Charts and the base forecast are kept
per area and revision in this process (:data:`_CACHE_SIZE` entries), so a new load is shown at
once and an unchanged one costs nothing.

The forecast is :mod:`lsr.flow.forecast` (``area_model`` started from the last day's state,
``forecast`` over 42 days, 40 replications, seed 2019, levers compared with the base on common
random numbers). When that module is missing (an installation without it) the dashboard shows
the data and charts and says the forecast is not available.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from lsr.web.plan.indicators import read_store, store_path

__all__ = [
    "DAYS",
    "REPLICATIONS",
    "SEED",
    "ForecastRun",
    "ForecastUnavailable",
    "charts",
    "daily",
    "levers_object",
    "revision",
    "run_forecast",
    "today_state",
]

DAYS = 42
REPLICATIONS = 40
SEED = 2019
_CACHE_SIZE = 16
T = TypeVar("T")

_lock = threading.Lock()
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


class ForecastUnavailable(Exception):
    """The forecast cannot be run (model missing, too little data); the message says why."""


def _cached(key: tuple[Any, ...], build: Callable[[], T]) -> T:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]  # type: ignore[no-any-return]
    value = build()
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def revision(area_code: str) -> str:
    """The area's daily data revision (``"0"``: no rows)."""
    from lsr.data.daily import daily_revision

    path = store_path()
    if not Path(path).exists():
        return "0"
    con = read_store(path)
    try:
        return daily_revision(con, area_code)
    finally:
        con.close()


def daily(area_code: str) -> tuple[str, pd.DataFrame]:
    """``(revision, frame)``: the area's daily rows (:func:`lsr.data.daily.daily_frame`), read
    together in one connection."""
    from lsr.data.daily import daily_frame, daily_revision

    con = read_store(store_path())
    try:
        rev = daily_revision(con, area_code)
        return rev, _cached(
            ("daily", str(store_path()), area_code, rev), lambda: daily_frame(con, area_code)
        )
    finally:
        con.close()


def today_state(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The last day's state as ``(label, value)`` rows."""
    last = frame.iloc[-1]

    def n(name: str) -> str:
        value = last[name]
        return "not known" if pd.isna(value) else f"{value:,.0f}"

    occupancy = 100 * last["beds_occupied"] / last["beds_open"] if last["beds_open"] else None
    rows = [
        ("Date", last["date"].isoformat()),
        ("Acute beds open", n("beds_open")),
        ("Acute beds occupied", n("beds_occupied")),
        ("Occupancy", f"{occupancy:.1f}%" if occupancy is not None else "not known"),
        ("Emergency admissions", n("admissions")),
        (
            "Discharges (pathway 0 / 1 / 2 / 3)",
            " / ".join(n(f"discharges_p{i}") for i in range(4)),
        ),
        ("Medically fit for discharge, still in hospital", n("mffd")),
        ("... awaiting assessment", n("mffd_awaiting_assessment")),
        ("... awaiting home care", n("mffd_awaiting_home_care")),
        ("... awaiting step-down", n("mffd_awaiting_step_down")),
        ("... awaiting a care home", n("mffd_awaiting_care_home")),
        ("... other reasons", n("mffd_other")),
        (
            "Home care packages in use / capacity",
            f"{n('home_care_in_use')} / {n('home_care_capacity')}",
        ),
        ("Step-down beds occupied / open", f"{n('step_down_occupied')} / {n('step_down_beds')}"),
        (
            "Care home (discharge to assess) beds occupied / open",
            f"{n('care_home_occupied')} / {n('care_home_beds')}",
        ),
    ]
    return rows


def charts(area_code: str, rev: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The three daily control charts (occupancy %, delays, discharges) with data tables."""

    def build() -> list[dict[str, Any]]:
        from lsr.core.spc import Direction
        from lsr.report.winter_charts import spc_chart

        synthetic = bool(frame.attrs.get("synthetic"))
        dates = list(frame["date"])
        occupancy = (
            100 * frame["beds_occupied"] / frame["beds_open"].where(frame["beds_open"] > 0)
        ).tolist()
        discharges = frame[[f"discharges_p{i}" for i in range(4)]].sum(axis=1).tolist()
        return [
            spc_chart(
                dates,
                occupancy,
                title="Figure 1: acute bed occupancy",
                unit="% of beds open",
                prefix="winter-occ",
                improvement=Direction.DECREASE,
                decimals=1,
                synthetic=synthetic,
            ),
            spc_chart(
                dates,
                frame["mffd"].tolist(),
                title="Figure 2: people medically fit for discharge still in hospital (delays)",
                unit="people",
                prefix="winter-mffd",
                improvement=Direction.DECREASE,
                synthetic=synthetic,
            ),
            spc_chart(
                dates,
                discharges,
                title="Figure 3: discharges, all pathways",
                unit="discharges a day",
                prefix="winter-dis",
                improvement=Direction.INCREASE,
                synthetic=synthetic,
            ),
        ]

    return _cached(("charts", str(store_path()), area_code, rev), build)


def levers_object(values: dict[str, Any]) -> Any:
    """:class:`lsr.flow.forecast.Levers` from lever field values (None when every lever is 0)."""
    if not any(
        values.get(k)
        for k in ("extra_home_care", "extra_step_down", "surge_percent", "extra_assessors")
    ):
        return None
    from lsr.flow.forecast import Levers

    surge = values.get("surge_percent") or 0
    return Levers(
        extra_home_care=int(values.get("extra_home_care") or 0),
        extra_home_care_from=values.get("extra_home_care_from"),
        extra_step_down=int(values.get("extra_step_down") or 0),
        extra_step_down_from=values.get("extra_step_down_from"),
        surge=float(Decimal(str(surge)) / 100),
        surge_from=values.get("surge_from"),
        surge_weeks=values.get("surge_weeks"),
        extra_assessors=int(values.get("extra_assessors") or 0),
        extra_assessors_from=values.get("extra_assessors_from"),
    )


@dataclass
class ForecastRun:
    """A forecast as the page shows it: the :class:`lsr.flow.forecast.Forecast` (``result``),
    with levers when any were set (then ``result.base`` is the base), and the seconds taken."""

    result: Any
    with_levers: bool
    seconds: float
    first_day: date
    last_day: date
    notes: list[str] = field(default_factory=list)

    @property
    def base(self) -> Any:
        return self.result.base if self.with_levers else self.result


def forecast_window(frame: pd.DataFrame) -> tuple[date, date]:
    """The forecast's first and last days: the :data:`DAYS` days after the last day loaded."""
    last = frame["date"].iloc[-1]
    return last + timedelta(days=1), last + timedelta(days=DAYS)


def _model(area_code: str, rev: str, frame: pd.DataFrame) -> Any:
    try:
        from lsr.flow.forecast import area_model
    except ImportError:
        raise ForecastUnavailable(
            "the forecast model (lsr.flow.forecast) is not installed in this version"
        ) from None

    def build() -> Any:
        try:
            return area_model(frame)
        except (ValueError, KeyError, ZeroDivisionError) as exc:
            raise ForecastUnavailable(
                f"the forecast could not be started from these data: {exc}"
            ) from None

    return _cached(("model", str(store_path()), area_code, rev), build)


def run_forecast(
    area_code: str, rev: str, frame: pd.DataFrame, lever_values: dict[str, Any]
) -> ForecastRun:
    """The forecast from the last day's state, with the levers when any are set (compared with
    the base on common random numbers), else the base (cached per revision)."""
    if len(frame) < 2:
        raise ForecastUnavailable("the forecast needs at least two days of data")
    model = _model(area_code, rev, frame)
    from lsr.flow.forecast import forecast

    levers = levers_object(lever_values)
    first, last = forecast_window(frame)
    started = time.perf_counter()
    try:
        if levers is None:
            result = _cached(
                ("base", str(store_path()), area_code, rev),
                lambda: forecast(model, days=DAYS, replications=REPLICATIONS, seed=SEED),
            )
        else:
            result = forecast(model, days=DAYS, replications=REPLICATIONS, seed=SEED, levers=levers)
    except (ValueError, KeyError, ZeroDivisionError) as exc:
        raise ForecastUnavailable(f"the forecast could not be run: {exc}") from None
    seconds = time.perf_counter() - started
    return ForecastRun(
        result, levers is not None, seconds, first, last, list(getattr(result, "notes", []) or [])
    )
