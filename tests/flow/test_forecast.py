"""The winter forecast (``lsr.flow.forecast``): parameters from the daily history, the forecast
contract, common random numbers for the levers, and levers moving the forecast the right way.

The daily data is the SYNTHETIC fixture ``tests/flow/fixtures/daily_synthetic.csv``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.flow.forecast import (
    MEASURES,
    DailyDataError,
    Forecast,
    Levers,
    apply_levers,
    area_model,
    forecast,
)
from lsr.flow.warm_start import warm_inputs

DAILY = Path(__file__).parent / "fixtures" / "daily_synthetic.csv"
NUMERIC = (
    "beds_open",
    "beds_occupied",
    "admissions",
    "discharges_p0",
    "discharges_p1",
    "discharges_p2",
    "discharges_p3",
    "mffd",
)


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return pd.read_csv(DAILY)


@pytest.fixture(scope="module")
def model(daily: pd.DataFrame):  # type: ignore[no-untyped-def]
    return area_model(daily)


@pytest.fixture(scope="module")
def small(model):  # type: ignore[no-untyped-def]
    return forecast(model, days=21, replications=10, seed=7)


def test_state_is_the_last_day(daily: pd.DataFrame, model) -> None:  # type: ignore[no-untyped-def]
    last = daily.iloc[-1]
    s = model.state
    assert model.today == date.fromisoformat(last["date"])
    assert s.acute_not_fit == last["beds_occupied"] - last["mffd"]
    assert s.waiting_home_care == last["mffd_awaiting_home_care"]
    assert s.waiting_step_down == last["mffd_awaiting_step_down"]
    assert s.waiting_care_home == last["mffd_awaiting_care_home"]
    assert s.awaiting_assessment == last["mffd_awaiting_assessment"]
    assert model.mffd_other == last["mffd_other"]
    assert s.in_home_care == last["home_care_in_use"]
    assert s.in_step_down == last["step_down_occupied"]
    assert s.in_care_home == last["care_home_occupied"]
    assert s.acute_occupied + model.mffd_other == last["beds_occupied"]
    assert model.beds_open == last["beds_open"]


def test_parameters_from_the_last_28_days(daily: pd.DataFrame, model) -> None:  # type: ignore[no-untyped-def]
    w = daily.iloc[-28:]
    p = model.parameters
    assert p.arrivals.per_day == pytest.approx(w["admissions"].mean())
    los = (w["beds_occupied"] - w["mffd"]).mean() / w["admissions"].mean()  # Little's law
    assert p.acute_length_of_stay.mean == pytest.approx(los)
    d = w[[f"discharges_p{k}" for k in range(4)]].sum()
    assert p.pathway_split == pytest.approx(tuple(d / d.sum()))
    # day-of-week: four of each weekday in 28 days
    weekday = pd.to_datetime(w["date"]).dt.dayofweek
    by_day = w.groupby(weekday.to_numpy())["admissions"].mean()
    assert p.arrivals.day_of_week == pytest.approx(tuple(by_day / by_day.mean()))
    hc = p.service("home_care")
    assert hc.length_of_stay.mean == pytest.approx(
        w["home_care_in_use"].mean() / (d["discharges_p1"] / 28)
    )
    assert p.start == model.today + timedelta(days=1)
    assert p.readmission_probability == 0


def test_blank_columns_fall_back_with_notes(daily: pd.DataFrame) -> None:
    d = daily.copy()
    for c in ("home_care_capacity", "home_care_in_use", "mffd_awaiting_home_care", "mffd_other"):
        d[c] = np.nan
    m = area_model(d.iloc[-10:])
    text = " | ".join(m.notes)
    assert "home_care: capacity not in the data" in text
    assert "home_care: in use not given" in text
    assert "fewer than 28" in text and "no day-of-week pattern" in text
    assert "mffd_awaiting_home_care" in text
    assert m.parameters.arrivals.day_of_week == (1.0,) * 7
    # the medically fit not given by reason are all placed somewhere: none lost
    last = d.iloc[-1]
    assert m.state.acute_occupied + m.mffd_other == last["beds_occupied"]


@pytest.mark.parametrize("column", NUMERIC)
@pytest.mark.parametrize("bad", ["-1", "2.5", "many", ""])
def test_bad_values_name_the_row_and_field(daily: pd.DataFrame, column: str, bad: str) -> None:
    d = daily.astype(str)
    d.loc[5, column] = bad
    with pytest.raises(DailyDataError) as err:
        area_model(d)
    message = str(err.value)
    assert "\n" not in message
    assert "row 6" in message and column in message


@pytest.mark.parametrize("column", ["home_care_in_use", "mffd_other", "step_down_beds"])
def test_optional_columns_may_be_blank_but_not_wrong(daily: pd.DataFrame, column: str) -> None:
    d = daily.astype(str)
    d.loc[3, column] = ""
    area_model(d)
    d.loc[3, column] = "lots"
    with pytest.raises(DailyDataError, match=rf"row 4 .*{column}"):
        area_model(d)


def test_structural_errors(daily: pd.DataFrame) -> None:
    with pytest.raises(DailyDataError, match=r"missing column.*mffd"):
        area_model(daily.drop(columns=["mffd"]))
    d = daily.copy()
    d.loc[2, "mffd"] = d.loc[2, "beds_occupied"] + 1
    with pytest.raises(DailyDataError, match=r"row 3 .*mffd: more medically fit"):
        area_model(d)
    d = daily.copy()
    d.loc[4, "date"] = d.loc[3, "date"]
    with pytest.raises(DailyDataError, match="date: repeated"):
        area_model(d)
    d = daily.copy()
    d.loc[0, "area_code"] = "E10000030"
    with pytest.raises(DailyDataError, match="more than one area"):
        area_model(d)
    d = daily.copy()
    d["admissions"] = 0
    with pytest.raises(DailyDataError, match="no admissions"):
        area_model(d)


def test_forecast_contract(model, small: Forecast) -> None:  # type: ignore[no-untyped-def]
    f = small
    assert f.dates == [model.today + timedelta(days=k + 1) for k in range(21)]
    assert list(f.bands.columns) == ["date", "measure", "p05", "p50", "p95", "mean"]
    assert set(MEASURES) <= set(f.bands["measure"])
    assert len(f.bands) == len(MEASURES) * 21
    assert (f.bands["p05"] <= f.bands["p50"]).all() and (f.bands["p50"] <= f.bands["p95"]).all()
    occ = f.band("occupancy_pct")
    assert np.allclose(occ["p50"], f.band("acute_occupied")["p50"] / model.beds_open * 100)
    assert f.above_92 == [d for d, v in zip(occ["date"], occ["p50"], strict=True) if v > 92]
    assert f.above_100 == [d for d, v in zip(occ["date"], occ["p50"], strict=True) if v > 100]
    assert list(f.p_above_92.index) == f.dates
    assert ((f.p_above_92 >= f.p_above_100) & (f.p_above_92 <= 1)).all()
    assert f.base is None and f.difference is None and f.state == model.state
    assert any("readmissions" in n for n in f.notes)


def test_day_zero_starts_from_today(model, small: Forecast) -> None:  # type: ignore[no-untyped-def]
    """Not an empty system: day 0's beds are today's, give or take half a day's flow."""
    today = model.state.acute_occupied + model.mffd_other
    day0 = small.band("acute_occupied").iloc[0]
    assert abs(day0["p50"] - today) < 0.05 * today
    hc = small.band("home_care_in_use").iloc[0]
    assert abs(hc["p50"] - model.state.in_home_care) <= 10


def test_forecast_is_reproducible_and_engines_agree(model) -> None:  # type: ignore[no-untyped-def]
    a = forecast(model, days=7, replications=3, seed=3)
    b = forecast(model, days=7, replications=3, seed=3, engine="reference")
    pd.testing.assert_frame_equal(a.bands, b.bands)


PATIENT_FIELDS = (
    "arrival",
    "acute_los",
    "pathway",
    "needs_chc",
    "self_funder",
    "nursing",
    "service_duration",
    "chc_duration",
    "readmitted",
    "readmission_delay",
)

# --- common random numbers ---------------------------------------------------------------

levers = st.builds(
    Levers,
    extra_home_care=st.integers(0, 60),
    extra_home_care_from=st.one_of(
        st.none(), st.integers(-3, 20).map(lambda k: date(2024, 12, 9) + timedelta(days=k))
    ),
    extra_step_down=st.integers(0, 20),
    extra_assessors=st.integers(0, 5),
    extra_assessors_from=st.one_of(st.none(), st.just(date(2024, 12, 15))),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lever=levers, rep=st.integers(0, 50))
def test_capacity_levers_change_no_patient(model, lever: Levers, rep: int) -> None:  # type: ignore[no-untyped-def]
    params = model.parameters
    base = warm_inputs(params, model.state, 2019, rep)
    more = warm_inputs(apply_levers(params, lever), model.state, 2019, rep)
    assert base.n_initial == more.n_initial
    for name in PATIENT_FIELDS:
        np.testing.assert_array_equal(getattr(base.inputs, name), getattr(more.inputs, name))
    assert base.inputs.max_rate == more.inputs.max_rate


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    surge=st.floats(0.05, 1.0),
    start=st.integers(0, 10),
    weeks=st.one_of(st.none(), st.integers(1, 3)),
    rep=st.integers(0, 20),
)
def test_a_surge_keeps_every_base_patient(
    model, surge: float, start: int, weeks: int | None, rep: int
) -> None:  # type: ignore[no-untyped-def]
    from lsr.flow.sampling import default_max_rate

    params = model.parameters
    rate = default_max_rate(params)
    lever = Levers(surge=surge, surge_from=params.start + timedelta(days=start), surge_weeks=weeks)
    base = warm_inputs(params, model.state, 2019, rep, max_rate=rate).inputs
    more = warm_inputs(apply_levers(params, lever), model.state, 2019, rep, max_rate=rate).inputs
    kept = np.isin(more.arrival[: more.n_primary], base.arrival[: base.n_primary])
    assert kept.sum() == base.n_primary and more.n_primary >= base.n_primary
    for name in ("acute_los", "pathway", "service_duration"):
        np.testing.assert_array_equal(
            getattr(more, name)[: more.n_primary][kept], getattr(base, name)[: base.n_primary]
        )


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lever=levers, seed=st.integers(0, 10_000))
def test_base_inside_a_lever_forecast_is_the_plain_forecast(
    model, lever: Levers, seed: int
) -> None:  # type: ignore[no-untyped-def]
    plain = forecast(model, days=10, replications=4, seed=seed)
    with_lever = forecast(model, days=10, replications=4, seed=seed, levers=lever)
    assert with_lever.base is not None and with_lever.difference is not None
    pd.testing.assert_frame_equal(with_lever.base.bands, plain.bands)
    for m in MEASURES:
        np.testing.assert_array_equal(with_lever.base.samples[m], plain.samples[m])
        paired = with_lever.samples[m] - plain.samples[m]
        d = with_lever.difference[with_lever.difference["measure"] == m]
        np.testing.assert_allclose(d["mean"], paired.mean(axis=0))
        np.testing.assert_allclose(d["p50"], np.median(paired, axis=0))


def test_a_lever_of_zero_gives_exactly_zero(model) -> None:  # type: ignore[no-untyped-def]
    zero = Levers(extra_home_care=0, extra_home_care_from=date(2024, 12, 20), surge=0.0)
    f = forecast(model, days=10, replications=4, seed=1, levers=zero)
    assert f.difference is not None
    assert (f.difference[["p05", "p50", "p95", "mean"]].to_numpy() == 0).all()


# --- levers move the forecast the right way ----------------------------------------------


def _mean_diff(f: Forecast, measure: str) -> float:
    assert f.difference is not None
    d = f.difference[f.difference["measure"] == measure]
    return float(d["mean"].mean())


@pytest.fixture(scope="module")
def lever_runs(model):  # type: ignore[no-untyped-def]
    def run(lever: Levers) -> Forecast:
        return forecast(model, days=21, replications=8, seed=11, levers=lever)

    return run


def test_more_home_care_fewer_waiting_for_it(lever_runs) -> None:  # type: ignore[no-untyped-def]
    f = lever_runs(Levers(extra_home_care=60))
    assert _mean_diff(f, "waiting_home_care") < -5
    assert _mean_diff(f, "home_care_in_use") > 5
    assert _mean_diff(f, "acute_occupied") < 0
    assert (f.samples["waiting_home_care"] <= f.base.samples["waiting_home_care"] + 2).mean() > 0.95  # type: ignore[union-attr]


def test_more_step_down_fewer_waiting_for_it(lever_runs) -> None:  # type: ignore[no-untyped-def]
    f = lever_runs(Levers(extra_step_down=25))
    assert _mean_diff(f, "waiting_step_down") < -3
    assert _mean_diff(f, "mffd") < 0


def test_a_later_lever_acts_later(lever_runs, model) -> None:  # type: ignore[no-untyped-def]
    when = model.today + timedelta(days=11)  # forecast day 10
    f = lever_runs(Levers(extra_home_care=60, extra_home_care_from=when))
    d = f.samples["home_care_in_use"] - f.base.samples["home_care_in_use"]  # type: ignore[union-attr]
    assert (d[:, :10] == 0).all() and d[:, 11:].mean() > 5


def test_surge_fills_beds_and_assessors_clear_the_backlog(lever_runs) -> None:  # type: ignore[no-untyped-def]
    f = lever_runs(Levers(surge=0.2))
    assert _mean_diff(f, "admissions") > 10 and _mean_diff(f, "acute_occupied") > 10
    assert (f.samples["admissions"] >= f.base.samples["admissions"]).all()  # type: ignore[union-attr]
    g = lever_runs(Levers(extra_assessors=10))
    assert _mean_diff(g, "waiting_assessment") < 0


def test_bad_levers_and_arguments(model) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="extra_home_care"):
        Levers(extra_home_care=-1)
    with pytest.raises(ValueError, match="surge"):
        Levers(surge=1.5)
    with pytest.raises(ValueError, match="surge_weeks"):
        Levers(surge=0.1, surge_weeks=0)
    with pytest.raises(ValueError, match="date"):
        Levers(extra_step_down=1, extra_step_down_from="2024-12-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="days"):
        forecast(model, days=0)
    with pytest.raises(ValueError, match="replications"):
        forecast(model, replications=0)
