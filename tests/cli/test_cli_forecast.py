"""``lsr forecast`` end to end as a real process, on the SYNTHETIC daily fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAILY = Path(__file__).parents[1] / "flow" / "fixtures" / "daily_synthetic.csv"
SRC = Path(__file__).parents[2] / "src"


def lsr(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="80", PYTHONPATH=str(SRC), NO_COLOR="1")
    code = "import sys; from lsr.cli.main import app; sys.argv[0] = 'lsr'; app()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_forecast_summary_fits_80_columns() -> None:
    r = lsr("forecast", "--area", "e10000025", "--daily", str(DAILY), "-n", "6", "--days", "21",
            "--extra-home-care", "40", "--surge", "0.1", "--surge-weeks", "2")  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any("…" in line for line in lines)  # nothing cut off
    for text in ("Today (08 Dec 2024): 851 of 900 beds", "above 92%", "above 100%",
                 "median (90% band)", "Levers minus base", "Assumptions"):  # fmt: skip
        assert text in r.stdout


def test_forecast_json_is_strict(tmp_path: Path) -> None:
    r = lsr("forecast", "--area", "E10000025", "--daily", str(DAILY), "-n", "4", "--days", "14",
            "--json", "--extra-step-down", "10")  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert data["today"] == "2024-12-08" and len(data["dates"]) == 14
    assert data["dates"][0] == "2024-12-09"
    assert {b["measure"] for b in data["bands"]} >= {"occupancy_pct", "waiting_home_care"}
    assert len(data["difference"]) == len(data["bands"])
    assert data["levers"]["extra_step_down"] == 10
    assert data["state"]["acute_not_fit"] == 771


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("admissions", "-3", "row 7 (2024-11-09), admissions"),
        ("beds_occupied", "lots", "row 7 (2024-11-09), beds_occupied"),
        ("mffd", "", "row 7 (2024-11-09), mffd: blank"),
        ("date", "9/11/2024", "row 7 (9/11/2024), date: '9/11/2024' is not a date"),
        ("home_care_in_use", "2.5", "row 7 (2024-11-09), home_care_in_use"),
    ],
)
def test_bad_rows_one_line(tmp_path: Path, column: str, value: str, expected: str) -> None:
    lines = DAILY.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[6].split(",")  # file row 7
    cells[header.index(column)] = value
    lines[6] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = lsr("forecast", "--area", "E10000025", "--daily", str(bad), "-n", "2", "--days", "7")
    assert r.returncode == 2
    message = " ".join(r.stderr.split())
    assert expected in message and str(bad) in message, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) <= 3


def test_bad_options_and_files(tmp_path: Path) -> None:
    r = lsr("forecast", "--area", "E10000025", "--daily", str(tmp_path / "none.csv"))
    assert r.returncode == 2 and "none.csv" in r.stderr and "Traceback" not in r.stderr
    r = lsr("forecast", "--area", "E10000025", "--daily", str(DAILY), "--surge", "3")
    assert r.returncode == 2 and "surge" in r.stderr and "Traceback" not in r.stderr
    r = lsr("forecast", "--area", "E10000025", "--daily", str(DAILY),
            "--extra-home-care", "5", "--extra-home-care-from", "soon")  # fmt: skip
    assert r.returncode == 2 and "--extra-home-care-from" in r.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xff\xfe\x00garbage")
    r = lsr("forecast", "--area", "E10000025", "--daily", str(empty))
    assert r.returncode == 2 and "empty.csv" in r.stderr and "Traceback" not in r.stderr
