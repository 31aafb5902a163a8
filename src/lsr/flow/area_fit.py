"""An area's forecast model from its daily situation data: today's state and fitted parameters.

:func:`area_model` reads the daily situation frame (the shared contract in
``docs/methods/flow-model.md``, "Forecasting": one area, one row per day, sorted by date) and
returns an :class:`AreaModel`: today's state (the last day) as a
:class:`~lsr.flow.warm_start.WarmState`, and :class:`~lsr.flow.parameters.FlowParameters`
fitted to the recent history (the last :data:`WINDOW_DAYS` days):

- admissions per day: the mean; a day-of-week pattern when the window has at least four of
  each weekday (otherwise flat);
- pathway split: discharges by pathway 0-3 over the window;
- acute length of stay until medically fit, by Little's law: mean (occupied - medically fit)
  beds / mean admissions per day; its shape (lognormal, coefficient of variation) from
  ``base`` or :data:`DEFAULTS`;
- each service's capacity (today's, or the latest known in the window) and length of stay by
  Little's law (mean in use / mean discharges to that pathway per day);
- beds open today for the occupancy percentage.

Whatever the data cannot give comes from ``base`` (a :class:`FlowParameters`) or the documented
:data:`DEFAULTS`, and is listed in ``notes``. Everything here is pure computation on a frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from lsr.flow.parameters import (
    SERVICES,
    Arrivals,
    CapacityStep,
    ChcAssessment,
    Costs,
    Duration,
    FlowParameters,
    Service,
)
from lsr.flow.warm_start import WarmState

#: Days of history the parameters are fitted to (the last ones).
WINDOW_DAYS = 28

REQUIRED: tuple[str, ...] = (
    "area_code",
    "date",
    "beds_open",
    "beds_occupied",
    "admissions",
    "discharges_p0",
    "discharges_p1",
    "discharges_p2",
    "discharges_p3",
    "mffd",
)
REASON_COLUMNS: tuple[str, ...] = (
    "mffd_awaiting_assessment",
    "mffd_awaiting_home_care",
    "mffd_awaiting_step_down",
    "mffd_awaiting_care_home",
    "mffd_other",
)
CAPACITY_COLUMNS: dict[str, tuple[str, str]] = {  # service -> (capacity, in use)
    "home_care": ("home_care_capacity", "home_care_in_use"),
    "step_down": ("step_down_beds", "step_down_occupied"),
    "care_home": ("care_home_beds", "care_home_occupied"),
}
OPTIONAL: tuple[str, ...] = REASON_COLUMNS + tuple(c for p in CAPACITY_COLUMNS.values() for c in p)
PATHWAY_OF: dict[str, int] = {"home_care": 1, "step_down": 2, "care_home": 3}

#: Documented defaults where neither the data nor ``base`` say (the shipped ILLUSTRATIVE
#: ``winter`` example's values; see docs/methods/flow-model.md, "Forecasting").
DEFAULTS: Mapping[str, Any] = {
    "acute_los_cv": 6.0 / 5.5,  # lognormal, sd / mean
    "service_los": {
        "home_care": Duration(28.0, 14.0, "gamma"),
        "step_down": Duration(21.0, 10.0, "gamma"),
        "care_home": Duration(28.0, 14.0, "gamma"),
    },
    "chc": ChcAssessment(0.05, "hospital", (CapacityStep(-1e9, 4),), Duration(2.0, 1.0, "gamma")),
    "assessor_utilisation": 0.75,  # assessors sized so their offered load is 75% of them
    "service_utilisation": 0.9,  # unknown capacity: offered load is 90% of it
    "self_funder_share": 0.30,
    "nursing_share": 0.40,
}


class DailyDataError(ValueError):
    """Bad daily situation data: one line naming the row and the field."""


@dataclass(frozen=True)
class AreaModel:
    """Today's state and the parameters fitted to the recent history of one area.

    ``parameters`` starts the day after ``today`` (day 0 of a forecast) and has no warm-up;
    :func:`lsr.flow.forecast.forecast` sets the number of days."""

    area_code: str
    today: date
    state: WarmState
    parameters: FlowParameters
    beds_open: int
    mffd_other: int  # medically fit, delayed for reasons the model does not represent
    window_days: int
    notes: tuple[str, ...] = field(default=())


def _row_label(frame: pd.DataFrame, i: int, offset: int) -> str:
    when = frame["date"].iloc[i] if "date" in frame.columns else ""
    return f"row {i + offset}" + (f" ({when})" if isinstance(when, str) and when else "")


def validate_daily(frame: pd.DataFrame, *, source: str = "", row_offset: int = 1) -> pd.DataFrame:
    """The daily frame checked and typed: ``date`` as dates, counts as floats (NaN = blank in
    an optional column), sorted by date. ``frame`` may hold text (a CSV read as strings) or
    numbers. Raises :class:`DailyDataError` naming the first bad row (``row_offset`` + index:
    2 for a CSV with a header line) and field."""
    where = f"{source}: " if source else ""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DailyDataError(f"{where}missing column(s): {', '.join(missing)}")
    if frame.empty:
        raise DailyDataError(f"{where}no rows of daily data")
    out = pd.DataFrame(index=frame.index)
    codes = frame["area_code"].astype(str).str.strip()
    for i, code in enumerate(codes):
        if not code or code.lower() == "nan":
            raise DailyDataError(f"{where}{_row_label(frame, i, row_offset)}, area_code: blank")
    out["area_code"] = codes
    dates = []
    for i, value in enumerate(frame["date"]):
        try:
            dates.append(pd.Timestamp(str(value).strip()).date() if _known(value) else None)
        except ValueError:
            dates.append(None)
        if dates[-1] is None:
            raise DailyDataError(
                f"{where}{_row_label(frame, i, row_offset)}, date: {str(value)!r} is not a date "
                "(YYYY-MM-DD)"
            )
    out["date"] = dates
    for col in REQUIRED[2:] + OPTIONAL:
        if col not in frame.columns:
            out[col] = np.nan
            continue
        values = np.full(len(frame), np.nan)
        for i, value in enumerate(frame[col]):
            if not _known(value):
                if col in REQUIRED:
                    raise DailyDataError(f"{where}{_row_label(frame, i, row_offset)}, {col}: blank")
                continue
            number = _whole(value)
            if number is None:
                raise DailyDataError(
                    f"{where}{_row_label(frame, i, row_offset)}, {col}: {str(value)!r} is not a "
                    "whole number >= 0"
                )
            values[i] = number
        out[col] = values
    bad = np.flatnonzero(out["mffd"].to_numpy() > out["beds_occupied"].to_numpy())
    if bad.size:
        raise DailyDataError(
            f"{where}{_row_label(frame, int(bad[0]), row_offset)}, mffd: more medically fit "
            "people than beds occupied"
        )
    if out["area_code"].nunique() > 1:
        raise DailyDataError(
            f"{where}more than one area ({', '.join(sorted(out['area_code'].unique())[:4])}); "
            "give one area's rows"
        )
    dup = out["date"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DailyDataError(f"{where}{_row_label(frame, i, row_offset)}, date: repeated")
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def _known(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() not in ("", "nan", "NaN", "NA", "<NA>", "None")


def _whole(value: Any) -> float | None:
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0 or number != int(number) or number > 1e9:
        return None
    return number


def _latest(window: pd.DataFrame, col: str) -> float | None:
    known = window[col].dropna()
    return float(known.iloc[-1]) if not known.empty else None


def _split(total: int, shares: np.ndarray) -> list[int]:
    """``total`` people split in proportion to ``shares`` (largest remainder, whole numbers)."""
    if shares.sum() <= 0:
        shares = np.ones(len(shares))
    exact = total * shares / shares.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: total - out.sum()]:
        out[i] += 1
    return [int(x) for x in out]


def area_model(
    daily: pd.DataFrame, base: FlowParameters | None = None, window_days: int = WINDOW_DAYS
) -> AreaModel:
    """Today's state (the last day) and parameters fitted to the last ``window_days`` days of
    ``daily`` (one area, the daily situation columns; see the module docstring)."""
    frame = validate_daily(daily)
    notes: list[str] = []
    window = frame.iloc[-window_days:]
    last = frame.iloc[-1]
    today = last["date"]
    n = len(window)
    if n < window_days:
        notes.append(f"parameters fitted to {n} day(s) of history (fewer than {window_days})")

    admissions = float(window["admissions"].mean())
    if admissions <= 0:
        raise DailyDataError(f"no admissions in the last {n} day(s): nothing to forecast from")
    day_of_week = (1.0,) * 7
    weekdays = pd.Series([d.weekday() for d in window["date"]], index=window.index)
    if weekdays.value_counts().reindex(range(7)).fillna(0).min() >= 4:
        by_day = window.groupby(weekdays)["admissions"].mean().reindex(range(7))
        day_of_week = tuple(float(x) for x in (by_day / by_day.mean()).to_numpy())
    else:
        notes.append("no day-of-week pattern in admissions (fewer than four of each weekday)")

    discharges = window[[f"discharges_p{k}" for k in range(4)]].sum().to_numpy(dtype=float)
    if discharges.sum() > 0:
        split = tuple(float(x) for x in discharges / discharges.sum())
    else:
        split = base.pathway_split if base else (0.5, 0.35, 0.1, 0.05)
        notes.append("no discharges in the window: pathway split from the base / default")

    not_fit = float((window["beds_occupied"] - window["mffd"]).mean())
    acute_mean = max(not_fit / admissions, 0.0)
    if base is not None and base.acute_length_of_stay.mean > 0:
        cv = base.acute_length_of_stay.sd / base.acute_length_of_stay.mean
        shape = base.acute_length_of_stay.distribution
    else:
        cv, shape = float(DEFAULTS["acute_los_cv"]), "lognormal"
    acute_los = Duration(acute_mean, acute_mean * cv, shape)

    state_counts, other = _mffd_by_reason(last, split, notes)
    services: list[Service] = []
    in_service: dict[str, int] = {}
    daily_flow = discharges / n
    for name in SERVICES:
        svc, used = _service(name, window, last, daily_flow[PATHWAY_OF[name]], base, notes)
        waiting = state_counts[f"waiting_{name}"]
        cap = svc.capacity[0].capacity
        if waiting > 0 and used < cap:
            notes.append(
                f"{name}: {waiting} waiting while {cap - used} place(s) are reported free; the "
                f"model takes the places in use ({used}) as the capacity today"
            )
            svc = replace(svc, capacity=(CapacityStep(-1e9, used),))
        services.append(svc)
        in_service[f"in_{name}"] = used

    chc = base.chc if base is not None else _default_chc(admissions, split, notes)
    state = WarmState(
        acute_not_fit=int(last["beds_occupied"] - last["mffd"]), **state_counts, **in_service
    )
    params = FlowParameters(
        start=today + timedelta(days=1),
        days=42,
        arrivals=Arrivals(per_day=admissions, day_of_week=day_of_week),
        acute_length_of_stay=acute_los,
        pathway_split=split,  # type: ignore[arg-type]
        services=tuple(services),
        chc=chc,
        self_funder_share=base.self_funder_share if base else DEFAULTS["self_funder_share"],
        nursing_share=base.nursing_share if base else DEFAULTS["nursing_share"],
        readmission_probability=0.0,
        acute_beds=int(last["beds_open"]),
        adult_population=base.adult_population if base else 0.0,
        warm_up_days=0,
        costs=base.costs if base else Costs(),
    )
    notes.append(
        "readmissions are not modelled separately: the admissions series already includes them"
    )
    if other:
        notes.append(
            f"{other} medically fit for other reasons (not modelled): held at today's level"
        )
    return AreaModel(
        area_code=str(last["area_code"]),
        today=today,
        state=state,
        parameters=params,
        beds_open=int(last["beds_open"]),
        mffd_other=other,
        window_days=n,
        notes=tuple(notes),
    )


def _mffd_by_reason(
    last: pd.Series, split: tuple[float, ...], notes: list[str]
) -> tuple[dict[str, int], int]:
    """Today's medically fit people by what they wait for; blanks share the rest by pathway."""
    mffd = int(last["mffd"])
    known = {c: last[c] for c in REASON_COLUMNS if not math.isnan(last[c])}
    blank = [c for c in REASON_COLUMNS if c not in known]
    rest = mffd - int(sum(known.values()))
    if rest < 0:
        raise DailyDataError(
            f"date {last['date']}: the medically fit by reason add up to more than mffd ({mffd})"
        )
    if blank:
        notes.append(
            f"today's medically fit by reason not all given ({', '.join(blank)} blank): the "
            f"{rest} not given are split by the discharge pathways 1-3"
        )
        targets = [c for c in blank if c.removeprefix("mffd_awaiting_") in SERVICES]
        if targets:
            shares = np.array(
                [split[PATHWAY_OF[c.removeprefix("mffd_awaiting_")]] for c in targets]
            )
            for c, k in zip(targets, _split(rest, shares), strict=True):
                known[c] = k
        elif "mffd_other" in blank:
            known["mffd_other"] = rest
    elif rest:
        notes.append(f"the medically fit by reason add up to {mffd - rest}, not mffd ({mffd})")
    counts = {f"waiting_{s}": int(known.get(f"mffd_awaiting_{s}", 0)) for s in SERVICES} | {
        "awaiting_assessment": int(known.get("mffd_awaiting_assessment", 0))
    }
    return counts, int(known.get("mffd_other", 0))


def _service(
    name: str,
    window: pd.DataFrame,
    last: pd.Series,
    flow_per_day: float,
    base: FlowParameters | None,
    notes: list[str],
) -> tuple[Service, int]:
    """One service's capacity, stay and people in it today."""
    cap_col, use_col = CAPACITY_COLUMNS[name]
    default_los: Duration = (
        base.service(name).length_of_stay if base else DEFAULTS["service_los"][name]
    )
    cv = default_los.sd / default_los.mean if default_los.mean > 0 else 0.0
    in_use = window[use_col].mean()
    if not math.isnan(in_use) and flow_per_day > 0:
        mean = float(min(max(float(in_use) / float(flow_per_day), 1.0), 365.0))
        los = Duration(mean, mean * cv, default_los.distribution)
    else:
        los = default_los
        notes.append(f"{name}: length of stay from the base / default ({default_los.mean:g} days)")
    cap = _latest(window, cap_col)
    used = None if math.isnan(last[use_col]) else int(last[use_col])
    if cap is None:
        if base is not None:
            cap = float(base.service(name).capacity[-1].capacity)
        else:
            load = flow_per_day * los.mean
            cap = float(max(used or 0, math.ceil(load / DEFAULTS["service_utilisation"])))
        notes.append(f"{name}: capacity not in the data; {cap:g} from the base / default")
    elif math.isnan(last[cap_col]):
        notes.append(f"{name}: capacity blank today; the latest known ({cap:g}) is used")
    if used is None:
        used = int(min(cap, round(flow_per_day * los.mean)))
        notes.append(f"{name}: in use not given today; {used} assumed (flow x length of stay)")
    svc = Service(
        name,
        (CapacityStep(-1e9, int(cap)),),
        los,
        "wait",
        unit_cost=base.service(name).unit_cost if base else 0.0,
    )
    return svc, used


def _default_chc(admissions: float, split: tuple[float, ...], notes: list[str]) -> ChcAssessment:
    d: ChcAssessment = DEFAULTS["chc"]
    load = admissions * (1 - split[0]) * d.probability * d.duration.mean
    assessors = max(1, math.ceil(load / DEFAULTS["assessor_utilisation"]))
    notes.append(
        f"CHC assessments: {d.probability:.0%} of pathways 1-3, {d.duration.mean:g} days each, "
        f"{assessors} assessor(s) (default, not in the data)"
    )
    return replace(d, assessors=(CapacityStep(-1e9, assessors),))
