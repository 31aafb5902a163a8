"""The ``lsr`` command end to end, on a real store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

from raw_data import raw

runner = CliRunner()


@pytest.fixture()
def store_copy(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def test_profile_json_to_stdout(store_copy: Path) -> None:
    result = runner.invoke(
        app,
        [
            "profile",
            "--area",
            "Oxfordshire",
            "--format",
            "json",
            "--population-year",
            "2017",
            "--db",
            str(store_copy),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["area_code"] == "E10000025"
    dtoc = next(i for i in data["indicators"] if i["indicator"]["id"] == "dtoc_18")
    july = next(p for p in dtoc["points"] if p["period"] == "2018-07-01")
    assert round(july["value"], 1) == 20.6 and round(july["england"], 1) == 10.3
    assert july["vs_england"]["outcome"] == "not compared"
    assert july["spc"]["trial_limits"] is False  # 72 months: no longer trial limits
    ae = data["indicators"][0]
    assert ae["synthetic"] is True
    point = ae["points"][-1]
    for key in (
        "value",
        "numerator",
        "denominator",
        "ci_lower",
        "ci_upper",
        "england",
        "comparators",
        "vs_england",
        "vs_comparators",
        "spc",
    ):
        assert key in point
    assert point["vs_england"]["outcome"] in {"better", "similar", "worse"}
    assert point["spc"]["point_type"].startswith(("common", "special"))
    assert ae["variation_icon"] is not None


def test_population_year_pins_the_vintage(store_copy: Path) -> None:
    args = ["profile", "--area", "Oxfordshire", "--format", "json", "--db", str(store_copy)]
    result = runner.invoke(app, [*args, "--population-year", "2017"])
    assert result.exit_code == 0, result.output
    dtoc = next(
        i for i in json.loads(result.stdout)["indicators"] if i["indicator"]["id"] == "dtoc_18"
    )
    july = next(p for p in dtoc["points"] if p["period"] == "2018-07-01")
    assert round(july["value"], 1) == 20.6 and round(july["england"], 1) == 10.3
    assert "population 2017" in july["source"]
    missing = runner.invoke(app, [*args, "--population-year", "1999"])
    assert missing.exit_code == 2
    assert "no population estimates for 1999" in missing.stderr
    assert "Traceback" not in missing.output


def test_unknown_area_is_a_clear_error(store_copy: Path) -> None:
    result = runner.invoke(app, ["profile", "--area", "Atlantis", "--db", str(store_copy)])
    assert result.exit_code == 2
    assert "no area called 'Atlantis'" in result.stderr
    assert "Traceback" not in result.output


def test_bad_format(store_copy: Path) -> None:
    result = runner.invoke(
        app, ["profile", "--area", "Oxfordshire", "--format", "docx", "--db", str(store_copy)]
    )
    assert result.exit_code == 2
    assert "--format" in result.stderr


def test_areas_lists_councils(store_copy: Path) -> None:
    result = runner.invoke(app, ["areas", "--db", str(store_copy)])
    assert result.exit_code == 0
    assert "Oxfordshire" in result.stdout and "E10000025" in result.stdout


def test_first_run_builds_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fresh" / "lsr.duckdb"
    monkeypatch.setenv("LSR_DB", str(path))
    result = runner.invoke(app, ["areas"])
    assert result.exit_code == 0, result.output
    assert path.exists()
    assert "Built the default database" in result.stdout


def test_spc_command(tmp_path: Path) -> None:
    csv = tmp_path / "series.csv"
    values = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 30]
    csv.write_text("period,value\n" + "".join(f"m{i},{v}\n" for i, v in enumerate(values)))
    result = runner.invoke(app, ["spc", str(csv), "--improvement", "decrease", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "XmR" in data["rule_set"]
    last = data["points"][-1]
    assert last["period"] == "m13"
    assert last["point_type"] == "special_cause_concern"
    assert data["variation_icon"] == "concern_high"


def test_spc_table_prints_rule_set(tmp_path: Path) -> None:
    csv = tmp_path / "series.csv"
    csv.write_text("value\n" + "\n".join(str(v) for v in [1, 2, 3, 2, 1, 2, 3]) + "\n")
    result = runner.invoke(app, ["spc", str(csv), "--trend-length", "6"])
    assert result.exit_code == 0, result.output
    assert "Rule set:" in result.stdout and "trend of 6" in result.stdout


def test_spc_bad_value_names_row_and_field(tmp_path: Path) -> None:
    csv = tmp_path / "series.csv"
    csv.write_text("period,value\n2018-01,1\n2018-02,oops\n2018-03,2\n")
    result = runner.invoke(app, ["spc", str(csv), "--value", "value"])
    assert result.exit_code == 2
    assert "series.csv, row 3, field 'value'" in result.stderr


def test_load_comparators_csv(store_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "peers.csv"
    csv.write_text("area_code,peer_code\nE10000025,E10000002\nE10000025,E10000003\n")
    result = runner.invoke(app, ["load", "comparators", str(csv), "--db", str(store_copy)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["profile", "--area", "E10000025", "--format", "json", "--db", str(store_copy)]
    )
    data = json.loads(result.stdout)
    assert data["comparator_codes"] == ["E10000002", "E10000003"]
    assert "peers.csv" in data["comparator_method"]


def test_load_comparators_bad_row(store_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "peers.csv"
    csv.write_text("area_code,peer_code\nE10000025,E10000002\nE10000025,E99999999\n")
    result = runner.invoke(app, ["load", "comparators", str(csv), "--db", str(store_copy)])
    assert result.exit_code == 2
    assert "peers.csv, row 3, field 'peer_code'" in result.stderr


def test_real_counts_replace_synthetic(store_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "counts.csv"
    csv.write_text(
        "indicator,area_code,period,numerator,denominator\n"
        "readmissions_30d_65,E10000025,2018-01,410,2000\n"
        "readmissions_30d_65,E10000002,2018-01,300,1800\n"
    )
    result = runner.invoke(app, ["load", "counts", str(csv), "--db", str(store_copy)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["profile", "--area", "Oxfordshire", "--format", "json", "--db", str(store_copy)]
    )
    data = json.loads(result.stdout)
    readm = data["indicators"][5]
    assert readm["synthetic"] is False
    assert readm["source"] == "counts.csv"
    assert [p["period"] for p in readm["points"]] == ["2018-01-01"]
    assert readm["points"][0]["value"] == 20.5
    # England is never the sum of the councils loaded (here it would be 2 councils): with no
    # England row the comparison is "not compared", with the reason.
    point = readm["points"][0]
    assert point["england"] is None
    assert point["vs_england"]["outcome"] == "not compared"
    assert "no England figure" in point["vs_england"]["method"]
    assert data["indicators"][0]["synthetic"] is True  # other indicators untouched
    # An England row loaded with the counts is England.
    england = tmp_path / "england.csv"
    england.write_text(
        "indicator,area_code,period,numerator,denominator\n"
        "readmissions_30d_65,E92000001,2018-01,150000,1000000\n"
    )
    assert (
        runner.invoke(app, ["load", "counts", str(england), "--db", str(store_copy)]).exit_code == 0
    )
    result = runner.invoke(
        app, ["profile", "--area", "Oxfordshire", "--format", "json", "--db", str(store_copy)]
    )
    point = json.loads(result.stdout)["indicators"][5]["points"][0]
    assert point["england"] == 15.0
    assert point["vs_england"]["outcome"] == "worse"


def test_init_empty_then_load_population(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    result = runner.invoke(app, ["init", "--empty", "--db", str(db)])
    assert result.exit_code == 0, result.output
    population = str(raw("ons_mye2017_upper_tier_la_from_lsoa.csv"))
    result = runner.invoke(app, ["load", "population", population, "--db", str(db)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["profile", "-a", "Oxfordshire", "-f", "json", "--db", str(db)])
    data = json.loads(result.stdout)
    assert all(ind["points"] == [] for ind in data["indicators"])
    again = runner.invoke(app, ["init", "--empty", "--db", str(db)])
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_load_real_episodes_replaces_synthetic(store_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "extract.csv"
    header = (
        "person_id,area_code,age,record_type,arrival_date,admission_method,"
        "admission_source,discharge_date\n"
    )
    rows = [
        "p1,E10000025,80,admission,2018-01-03,emergency,19,2018-01-13\n",  # LOS 10
        "p1,E10000025,80,admission,2018-01-20,emergency,19,2018-01-22\n",  # readmitted day 7
        "p2,E10000025,70,ae,2018-01-05,,,\n",
        "p3,E10000025,90,admission,2018-01-08,emergency,54,2018-01-10\n",  # from a care home
        "p4,E10000025,75,ae,2018-03-31,,,\n",  # extends the extract to give Jan follow-up
    ]
    csv.write_text(header + "".join(rows))
    result = runner.invoke(app, ["load", "episodes", str(csv), "--db", str(store_copy)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["profile", "--area", "Oxfordshire", "--format", "json", "--db", str(store_copy)]
    )
    data = json.loads(result.stdout)
    by_id = {i["indicator"]["id"]: i for i in data["indicators"]}
    assert by_id["dtoc_18"]["synthetic"] is False
    for ind_id in ("ae_attendances_65", "emergency_admissions_65", "long_stays_65"):
        assert by_id[ind_id]["synthetic"] is False, ind_id
        assert by_id[ind_id]["source"] == "extract.csv"
    jan = by_id["emergency_admissions_65"]["points"][0]
    assert jan["period"] == "2018-01-01"
    # 3 emergency admissions: a count under 8 is suppressed in anything published
    assert jan["numerator"] is None and jan["numerator_display"] == "*"
    assert jan["value"] is None


def test_profile_target_gives_assurance_icon(store_copy: Path) -> None:
    args = ["profile", "-a", "Oxfordshire", "-f", "json", "--db", str(store_copy)]
    result = runner.invoke(app, [*args, "--target", "dtoc_18=50"])
    assert result.exit_code == 0, result.output
    dtoc = json.loads(result.stdout)["indicators"][4]
    # low is good and every limit lies below 50: the process consistently passes
    assert dtoc["points"][-1]["spc"]["upper_limit"] < 50
    assert dtoc["assurance_icon"] == "consistent_pass"
    plain = json.loads(runner.invoke(app, args).stdout)["indicators"][4]
    assert plain["assurance_icon"] is None
    bad = runner.invoke(app, [*args, "--target", "nonsense=3"])
    assert bad.exit_code == 2 and "unknown indicator" in bad.stderr


def test_dtoc_counts_take_precedence_over_workbooks(store_copy: Path, tmp_path: Path) -> None:
    csv = tmp_path / "dtoc.csv"
    # 31 days x 539,000 adults; 1,550 delayed days -> 1550 / 31 / 539000 x 100000 = 9.28
    csv.write_text(
        "indicator,area_code,period,numerator,denominator\n"
        f"dtoc_18,E10000025,2018-07,1550,{539_000 * 31}\n"
    )
    result = runner.invoke(app, ["load", "counts", str(csv), "--db", str(store_copy)])
    assert result.exit_code == 0, result.output
    data = json.loads(
        runner.invoke(
            app, ["profile", "-a", "E10000025", "-f", "json", "--db", str(store_copy)]
        ).stdout
    )
    dtoc = data["indicators"][4]
    values = {p["period"]: p["value"] for p in dtoc["points"]}
    assert round(values["2018-07-01"], 2) == 9.28
    # other months still from the workbooks (mid-2018 population: 16.7; the report's 16.8 used
    # mid-2017)
    assert round(values["2018-10-01"], 1) == 16.7
