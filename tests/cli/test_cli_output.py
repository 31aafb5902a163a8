"""What the CLI writes: strict JSON whatever the numbers (a zero population once put
``Infinity`` in the profile JSON), and output paths checked before the work, so that an
unwritable ``--out`` is one line and exit code 2 for every command that writes files."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.cli.output import OutputError, json_safe, json_text, prepare_out_dir, write_text
from lsr.data.scenario_files import example_path

runner = CliRunner()


def strict_loads(text: str) -> object:
    """``json.loads`` that refuses NaN and Infinity, as every other JSON parser does."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_safe_turns_non_finite_numbers_into_null() -> None:
    value = {
        "nan": math.nan,
        "inf": math.inf,
        "ninf": -math.inf,
        "np": np.float64("nan"),
        "np_int": np.int64(7),
        "array": np.array([1.5, np.inf]),
        "nested": [{"x": (math.nan, 2.0)}],
        "day": date(2018, 7, 1),
        "ok": 1.25,
    }
    assert json_safe(value) == {
        "nan": None,
        "inf": None,
        "ninf": None,
        "np": None,
        "np_int": 7,
        "array": [1.5, None],
        "nested": [{"x": [None, 2.0]}],
        "day": "2018-07-01",
        "ok": 1.25,
    }
    assert strict_loads(json_text(value))


def test_write_text_replaces_whole_files(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("old")
    write_text(path, "new")
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # no temporary file left
    with pytest.raises(OutputError, match="cannot write"):
        write_text(tmp_path / "missing" / "a.json", "x")


@pytest.fixture()
def zero_population_store(default_store_path: Path, tmp_path: Path) -> Path:
    """A store whose population for Oxfordshire is zero (as a store loaded before zero
    populations were refused can hold): every rate over it is infinite."""
    target = tmp_path / "zero.duckdb"
    shutil.copy(default_store_path, target)
    con = duckdb.connect(str(target))
    con.execute("UPDATE population SET population = 0 WHERE area_code = 'E10000025'")
    con.close()
    return target


def test_profile_json_is_strict_even_over_a_zero_population(
    zero_population_store: Path, tmp_path: Path
) -> None:
    args = ["profile", "--area", "Oxfordshire", "--format", "json"]
    result = runner.invoke(app, [*args, "--db", str(zero_population_store)])
    assert result.exit_code == 0, result.output
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout
    data = strict_loads(result.stdout)
    assert isinstance(data, dict) and data["area_code"] == "E10000025"
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--out", str(out), "--db", str(zero_population_store)])
    assert result.exit_code == 0, result.output
    strict_loads((out / "profile.json").read_text())


# --- unwritable output paths -----------------------------------------------------------------


@pytest.fixture()
def locked(tmp_path: Path) -> Iterator[Path]:
    """An existing folder nobody may write in (for root, who ignores permissions, an
    immutable folder)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot make a folder unwritable for root here (chattr)")
        try:
            yield folder
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


def _bad_outs(tmp_path: Path, locked: Path) -> dict[str, Path]:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    return {
        "locked-folder": locked,
        "inside-locked-folder": locked / "new",
        "a-file": a_file,
        "under-a-file": a_file / "sub",
        "system-folder": Path("/sys/lsr-out"),
    }


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def _one_clean_line(result: object, out: Path) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    if "Usage:" in result.stderr:  # type: ignore[attr-defined]
        # Typer's own check (--out is a file where a folder is expected): a usage error
        assert "Error" in result.stderr and "Traceback" not in result.stderr  # type: ignore[attr-defined]
        return
    assert result.exception is None or isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert str(out) in lines[0] and "Traceback" not in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "case", ["locked-folder", "inside-locked-folder", "a-file", "under-a-file", "system-folder"]
)
@pytest.mark.parametrize("fmt", ["html", "json"])
def test_profile_unwritable_out(
    store: Path, tmp_path: Path, locked: Path, case: str, fmt: str
) -> None:
    out = _bad_outs(tmp_path, locked)[case]
    result = runner.invoke(
        app,
        ["profile", "--area", "Oxfordshire", "-f", fmt, "--out", str(out), "--db", str(store)],
    )
    _one_clean_line(result, out)


@pytest.mark.parametrize("case", ["locked-folder", "a-file", "under-a-file", "system-folder"])
def test_simulate_unwritable_out_fails_before_simulating(
    store: Path, tmp_path: Path, locked: Path, case: str
) -> None:
    out = _bad_outs(tmp_path, locked)[case]
    result = runner.invoke(
        app, ["simulate", str(example_path()), "-n", "2", "--out", str(out), "--db", str(store)]
    )
    _one_clean_line(result, out)
    assert "Simulating" not in result.stdout and "replications" not in result.stdout
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        if "flow_runs" in tables:
            assert con.execute("SELECT count(*) FROM flow_runs").fetchone() == (0,)
    finally:
        con.close()


@pytest.mark.parametrize("case", ["inside-locked-folder", "locked-folder", "under-a-file"])
def test_calibrate_unwritable_out_fails_before_calibrating(
    store: Path, tmp_path: Path, locked: Path, case: str
) -> None:
    out = _bad_outs(tmp_path, locked)[case]
    target = out / "fit.yaml" if case == "inside-locked-folder" else out
    result = runner.invoke(
        app,
        ["calibrate", "winter", "--area", "Oxfordshire", "--out", str(target), "--db", str(store)],
    )
    _one_clean_line(result, target)
    assert "Calibrated parameters" not in result.stdout


def test_prepare_out_dir_proves_the_folder_is_writable(tmp_path: Path, locked: Path) -> None:
    assert prepare_out_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    with pytest.raises(OutputError, match="cannot write in this folder"):
        prepare_out_dir(locked)


def test_unwritable_out_through_a_real_process(store: Path, locked: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from lsr.cli.main import app; app()", "profile", "--area",
         "Oxfordshire", "--out", str(locked), "--db", str(store)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: --out {locked}: cannot write in this folder (Operation not permitted)"
        if os.geteuid() == 0
        else f"Error: --out {locked}: cannot write in this folder (Permission denied)"
    ]


def test_profile_refuses_a_store_with_periods_outside_the_window(store: Path) -> None:
    """A store loaded before periods were checked (one row dated 9998-12 once expanded into
    2.3 million empty months): one clear line, exit 2, in well under a second of work."""
    con = duckdb.connect(str(store))
    con.execute(
        "INSERT INTO indicator_counts VALUES "
        "('ae_attendances_65', 'E10000025', DATE '9998-12-01', 1, 10, FALSE, 'old.csv')"
    )
    con.close()
    result = runner.invoke(
        app, ["profile", "--area", "Oxfordshire", "-f", "json", "--db", str(store)]
    )
    assert result.exit_code == 2
    err = " ".join(result.stderr.split())
    assert "1 indicator count(s) for periods outside January 2000" in err and "'old.csv'" in err
