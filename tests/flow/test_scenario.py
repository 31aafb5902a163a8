"""Scenario files: validation errors name the file, YAML path and line; each kind of change
converts to the right parameters (values checked by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsr.data.scenario_files import example_path, load_scenario_file, parse_scenario_text
from lsr.flow.parameters import CapacityStep
from lsr.flow.scenario import BASE_NAME, ScenarioError, scale_parameters

EXAMPLE = example_path().read_text(encoding="utf-8")


def _line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing ``fragment``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in text")


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, "winter.yaml")
    return info.value


def _with_scenarios(changes: str) -> str:
    """The example's base case with one scenario made of ``changes`` (YAML flow mappings)."""
    base = EXAMPLE.split("scenarios:")[0]
    body = "\n".join(f"      - {c}" for c in changes.strip().splitlines())
    return base + f"scenarios:\n  - name: Test\n    changes:\n{body}\n"


def _params(changes: str):  # type: ignore[no-untyped-def]
    sf = parse_scenario_text(_with_scenarios(changes), "test.yaml")
    return sf.parameters[BASE_NAME], sf.parameters["Test"]


# ------------------------------------------------------------------------------- errors


def test_unknown_field_names_path_and_line() -> None:
    text = EXAMPLE.replace(
        "      overflow: wait\n    step_down", "      overflw: wait\n    step_down"
    )
    err = _error(text)
    (problem,) = err.problems
    assert problem.path == "base.services.home_care.overflw"
    assert problem.line == _line_of(text, "overflw")
    assert "unknown field 'overflw'" in str(err) and "did you mean 'overflow'" in str(err)
    assert str(err).startswith(f"winter.yaml, line {problem.line}, base.services.home_care")


def test_negative_capacity() -> None:
    text = EXAMPLE.replace("capacity: 150", "capacity: -5")
    (problem,) = _error(text).problems
    assert problem.path == "base.services.step_down.capacity"
    assert problem.line == _line_of(text, "capacity: -5")
    assert "greater than or equal to 0" in problem.message


def test_pathway_split_must_sum_to_one() -> None:
    text = EXAMPLE.replace("pathway_3: 0.05", "pathway_3: 0.10")
    (problem,) = _error(text).problems
    assert problem.path == "base.pathway_split"
    assert problem.line == _line_of(text, "pathway_split:")
    assert "sum to 1" in problem.message and "1.05" in problem.message


def test_bad_date() -> None:
    text = EXAMPLE.replace("from: 2019-01-07", "from: 2019-13-07")
    (problem,) = _error(text).problems
    assert problem.path == "scenarios[1].changes[0].from"
    assert problem.line == _line_of(text, "2019-13-07")
    assert "2019-13-07" in problem.message


def test_date_outside_run_and_bad_set_value_reported_together() -> None:
    text = EXAMPLE.replace("from: 2018-12-01", "from: 2019-12-01").replace(
        "set: community", "set: garden"
    )
    err = _error(text)
    paths = {p.path: p for p in err.problems}
    assert set(paths) == {"scenarios[0].changes[0].from", "scenarios[2].changes[0].set"}
    assert "outside the simulated period" in paths["scenarios[0].changes[0].from"].message
    assert paths["scenarios[2].changes[0].set"].line == _line_of(text, "set: garden")
    assert "2 problems in winter.yaml" in str(err)


def test_unknown_change_target_suggests() -> None:
    err = _error(EXAMPLE.replace("change: chc.where", "change: chc.were"))
    assert "did you mean chc.where" in str(err)
    assert err.problems[0].path == "scenarios[2].changes[0].change"


def test_surge_needs_length() -> None:
    err = _error(_with_scenarios("{change: arrivals, surge: 1.1, from: 2019-01-07}"))
    assert "exactly one of weeks, days or until" in str(err)


def test_invalid_yaml_has_line() -> None:
    err = _error("name: x\nbase: [unclosed\n")
    assert err.problems[0].line is not None and "not valid YAML" in str(err)


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError):
        load_scenario_file(Path("/nonexistent/winter.yaml"))


# ------------------------------------------------------------------------------- conversion


def test_base_case_conversion() -> None:
    sf = load_scenario_file(example_path())
    p = sf.parameters[BASE_NAME]
    assert p.start.isoformat() == "2018-11-01" and p.days == 182 and p.warm_up_days == 90
    # 7000 hours a week / 10 hours a package = 700 concurrent packages, from the warm-up start
    assert p.service("home_care").capacity == (CapacityStep(-90.0, 700),)
    assert p.service("step_down").capacity == (CapacityStep(-90.0, 150),)
    assert p.pathway_split == (0.5, 0.35, 0.10, 0.05)
    assert p.costs.acute_delayed_day == 346.0 and "£346" in p.costs.acute_delayed_day_source
    assert p.service("home_care").unit_cost == 125.0
    assert "NHS discharge model" in p.service("step_down").unit_cost_source
    assert sf.scenario_names == [
        BASE_NAME,
        "More home care from 1 December",
        "Winter surge",
        "CHC assessments in the community",
    ]


def test_capacity_multiply_from_date() -> None:
    _, p = _params("{change: services.home_care.capacity, multiply: 1.2, from: 2018-12-01}")
    # 1 December is day 30 from 1 November; 700 x 1.2 = 840
    assert p.service("home_care").capacity == (CapacityStep(-90.0, 700), CapacityStep(30.0, 840))


def test_capacity_changes_compose_in_order() -> None:
    _, p = _params(
        "{change: services.step_down.capacity, add: 10}\n"
        "{change: services.step_down.capacity, set: 100, from: 2019-01-01}\n"
        "{change: services.step_down.capacity, multiply: 0.5, from: 2018-12-01}"
    )
    # 150 + 10 = 160 throughout; 100 from day 61; then halved from day 30: 80 then 50
    assert p.service("step_down").capacity == (
        CapacityStep(-90.0, 160),
        CapacityStep(30.0, 80),
        CapacityStep(61.0, 50),
    )


def test_home_care_hours_change_converts_to_packages() -> None:
    _, p = _params("{change: services.home_care.hours_per_week, add: 805, from: 2019-01-01}")
    # 805 hours / 10 hours a package = 80.5 -> 700 + 80.5 = 780.5, rounded half up to 781
    assert p.service("home_care").capacity[-1] == CapacityStep(61.0, 781)


def test_surge() -> None:
    base, p = _params("{change: arrivals, surge: 1.1, from: 2019-01-07, weeks: 8}")
    # 7 January 2019 is day 67; 8 weeks = 56 days
    assert p.arrivals.surges == ((67.0, 123.0, 1.1),)
    assert base.arrivals.surges == ()
    _, q = _params("{change: arrivals, surge: 1.2, from: 2019-01-01, until: 2019-01-31}")
    assert q.arrivals.surges == ((61.0, 91.0, 1.2),)


def test_chc_where_and_assessors() -> None:
    _, p = _params(
        "{change: chc.where, set: community}\n{change: chc.assessors, add: 2, from: 2018-11-11}"
    )
    assert p.chc.where == "community"
    assert p.chc.assessors == (CapacityStep(-90.0, 4), CapacityStep(10.0, 6))


def test_pathway_split_los_readmission_and_costs() -> None:
    base, p = _params(
        "{change: pathway_split, set: [0.45, 0.42, 0.09, 0.04]}\n"
        "{change: acute_length_of_stay.mean, multiply: 0.9}\n"
        "{change: services.home_care.length_of_stay.mean, set: 21}\n"
        "{change: readmission_probability, multiply: 0.8}\n"
        "{change: costs.acute_delayed_day, set: 400}\n"
        "{change: services.care_home.unit_cost, multiply: 0.5}"
    )
    assert p.pathway_split == (0.45, 0.42, 0.09, 0.04)
    assert p.acute_length_of_stay.mean == pytest.approx(5.5 * 0.9)
    assert p.acute_length_of_stay.sd == base.acute_length_of_stay.sd
    assert p.service("home_care").length_of_stay.mean == 21
    assert p.readmission_probability == pytest.approx(0.08)
    assert p.costs.acute_delayed_day == 400
    assert p.service("care_home").unit_cost == pytest.approx(82.0)
    assert base.pathway_split == (0.5, 0.35, 0.10, 0.05)  # the base case is untouched


def test_change_that_breaks_pathway_split_is_an_error() -> None:
    err = _error(_with_scenarios("{change: pathway_split, set: [0.5, 0.5, 0.5, 0.0]}"))
    assert err.problems[0].path == "scenarios[0].changes[0].set"
    assert "sum to 1" in err.problems[0].message


def test_scaling_to_another_area() -> None:
    p = load_scenario_file(example_path()).parameters[BASE_NAME]
    q = scale_parameters(p, 0.5, 123_000)
    assert q.arrivals.per_day == 30 and q.adult_population == 123_000
    assert q.service("home_care").capacity == (CapacityStep(-90.0, 350),)
    assert q.chc.assessors == (CapacityStep(-90.0, 2),) and q.acute_beds == 240
    assert q.acute_length_of_stay == p.acute_length_of_stay
