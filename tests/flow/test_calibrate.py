"""Calibration recovers a known home care capacity from a DToC rate simulated by the model."""

from __future__ import annotations

import numpy as np
import pytest

from lsr.data.scenario_files import example_path, load_scenario_file, parse_scenario_text
from lsr.flow.calibrate import (
    _runner,
    calibrate,
    calibrated_scenario_data,
    current_value,
    simulate_targets,
    with_values,
)
from lsr.flow.experiment import experiment_max_rate
from lsr.flow.scenario import BASE_NAME

TRUE_CAPACITY = 700
#: Tolerance: the fitted capacity is within 3% (21 packages) of the true one. The "observed"
#: rate comes from different seeds than the fit uses, so the fit is not exact.
TOLERANCE = 0.03


def test_with_values_and_current_value() -> None:
    p = load_scenario_file(example_path()).parameters[BASE_NAME]
    q = with_values(p, {"services.home_care.capacity": 650.4, "acute_length_of_stay.mean": 6.0})
    assert current_value(q, "services.home_care.capacity") == 650
    assert current_value(q, "acute_length_of_stay.mean") == 6.0
    with pytest.raises(ValueError, match="cannot calibrate"):
        current_value(p, "arrivals.per_day")


@pytest.mark.slow
def test_recovers_known_home_care_capacity() -> None:
    p = load_scenario_file(example_path()).parameters[BASE_NAME]
    assert current_value(p, "services.home_care.capacity") == TRUE_CAPACITY
    run_fn = _runner("compiled", experiment_max_rate([p]))
    observed = simulate_targets(p, ["dtoc_per_100k"], run_fn, seed=999, replications=6)
    target = float(np.mean(observed["dtoc_per_100k"]))
    start = with_values(p, {"services.home_care.capacity": 600})
    result = calibrate(
        start,
        {"dtoc_per_100k": target},
        parameters=["services.home_care.capacity"],
        bounds={"services.home_care.capacity": (450, 1000)},
        replications=6,
        seed=1,
    )
    fitted = result.values["services.home_care.capacity"]
    assert abs(fitted - TRUE_CAPACITY) <= TOLERANCE * TRUE_CAPACITY, fitted
    (fit,) = result.fits
    assert fit.lower <= target <= fit.upper
    assert result.start["services.home_care.capacity"] == 600


def test_calibrated_scenario_round_trips() -> None:
    sf = load_scenario_file(example_path())
    data = calibrated_scenario_data(
        sf,
        factor=0.5,
        population_65=50_000,
        adult_population=200_000,
        values={"services.home_care.capacity": 333, "acute_length_of_stay.mean": 6.25},
        name="Calibrated",
    )
    import yaml

    again = parse_scenario_text(yaml.safe_dump(data), "calibrated.yaml")
    p = again.parameters[BASE_NAME]
    assert p.service("home_care").capacity[0].capacity == 333  # 3330 hours / 10
    assert p.service("step_down").capacity[0].capacity == 75
    assert p.arrivals.per_day == 30 and p.acute_length_of_stay.mean == 6.25
    assert again.scenario_names == sf.scenario_names
