"""Commands and a store that another process is using: one clear line and exit 2 after a
bounded wait (never a traceback), a wait that succeeds when the other process finishes, the
default store built once when two commands start together, finished results never lost, and
an unreachable Dask scheduler. The other process is always a real one."""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

from store_holder import held_store, start_holder, stop_holder

runner = CliRunner()

LSR = [sys.executable, "-c", "from lsr.cli.main import app; app()"]

#: Commands with a --db option that do not open the store: ``serve`` hands it to the web
#: application (tests/web), ``init`` refuses an existing file before opening anything.
NOT_OPENING = {"serve", "init"}


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "busy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSR_")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    env["COLUMNS"] = "200"
    return {**env, **extra}


def _store_commands() -> set[str]:
    """Every ``lsr`` command (``load`` subcommands included) that has a ``--db`` option."""
    found = set()
    for command in app.registered_commands:
        if "db" in inspect.signature(command.callback).parameters:  # type: ignore[arg-type]
            found.add(command.name or command.callback.__name__)  # type: ignore[union-attr]
    for group in app.registered_groups:
        for command in group.typer_instance.registered_commands:  # type: ignore[union-attr]
            if "db" in inspect.signature(command.callback).parameters:  # type: ignore[arg-type]
                found.add(f"{group.name} {command.name}")
    return found


def _invocations(tmp_path: Path) -> dict[str, list[str]]:
    any_file = tmp_path / "input.csv"
    any_file.write_text("a,b\n1,2\n", encoding="utf-8")
    out = str(tmp_path / "out")
    calls = {
        "profile": ["profile", "--area", "Oxfordshire", "--out", out],
        "areas": ["areas"],
        "simulate": ["simulate", "winter", "--area", "Oxfordshire", "-n", "2", "--out", out],
        "sweep": ["sweep", "winter", "--areas", "E06000001", "-n", "1", "-w", "1"],
        "calibrate": ["calibrate", "winter", "--area", "Oxfordshire", "-n", "2"],
    }
    for kind in ("dtoc", "counts", "episodes", "comparators", "population", "ae", "catchment"):
        calls[f"load {kind}"] = ["load", kind, str(any_file)]
    for kind in ("mar", "ascof", "oflog", "daily"):
        calls[f"load {kind}"] = ["load", kind, str(any_file)]
    # forecast opens the store only to find an area named rather than coded in the file
    daily = tmp_path / "daily.csv"
    daily.write_text("area_code,date\nE06000001,2024-12-01\n", encoding="utf-8")
    calls["forecast"] = ["forecast", "--area", "Oxfordshire", "--daily", str(daily)]
    return calls


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_store_command_says_the_store_is_busy(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _invocations(tmp_path)
    assert set(calls) == _store_commands() - NOT_OPENING  # a new command must be listed here
    monkeypatch.setenv("LSR_STORE_WAIT", "0.3")
    before = _sha(store)
    with held_store(store) as holder:
        for name, args in calls.items():
            started = time.monotonic()
            result = runner.invoke(app, [*args, "--db", str(store)])
            assert result.exit_code == 2, (name, result.output)
            assert time.monotonic() - started < 30, name
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
            assert errors == [
                f"Error: the store {store} is in use by another lsr process (PID {holder.pid}); "
                "try again when it has finished"
            ], (name, result.stderr)
            assert "Traceback" not in result.output, name
            assert not (tmp_path / "out").exists(), name  # stopped before doing anything
    assert _sha(store) == before  # nothing changed


def test_a_command_waits_for_a_short_write(store: Path) -> None:
    holder = start_holder(store, "write")
    try:
        areas = subprocess.Popen(
            [*LSR, "areas", "--db", str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(LSR_STORE_WAIT="60"),
        )
        assert areas.stderr is not None
        notice = areas.stderr.readline()  # it says it waits, and for whom...
        assert f"in use by another lsr process (PID {holder.pid}); waiting up to 60 s" in notice
        time.sleep(1.0)
        assert areas.poll() is None  # ... and does wait
    finally:
        stop_holder(holder)  # the other process finishes
    out, err = areas.communicate(timeout=120)
    assert areas.returncode == 0, err
    assert "Hartlepool" in out and "Error" not in err


def test_busy_store_real_process_one_line_no_traceback(store: Path) -> None:
    with held_store(store) as holder:
        result = subprocess.run(
            [*LSR, "profile", "--area", "Oxfordshire", "--db", str(store)],
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(LSR_STORE_WAIT="0"),
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: the store {store} is in use by another lsr process (PID {holder.pid}); try "
        "again when it has finished"
    ]


def test_bad_wait_setting_is_one_clear_error(store: Path) -> None:
    result = subprocess.run(
        [*LSR, "areas", "--db", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(LSR_STORE_WAIT="soon"),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: $LSR_STORE_WAIT must be a number of seconds, not 'soon'"


COUNTS = (
    "indicator,area_code,period,numerator,denominator\n"
    "readmissions_30d_65,E10000025,2018-01,410,2000\n"
    "readmissions_30d_65,E10000002,2018-01,300,1800\n"
)


def _readmission_rows(db: Path) -> list[tuple[str, float]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT area_code, numerator FROM indicator_counts WHERE indicator = "
            "'readmissions_30d_65' AND source = 'counts.csv' ORDER BY area_code"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_first_run_load_and_areas_together_build_one_store(tmp_path: Path, attempt: int) -> None:
    """On a fresh machine: ``lsr load counts c.csv &`` and ``lsr areas`` a moment later."""
    db = tmp_path / "home" / "lsr.duckdb"
    csv = tmp_path / "counts.csv"
    csv.write_text(COUNTS, encoding="utf-8")
    env = _env(LSR_DB=str(db))
    load = subprocess.Popen(
        [*LSR, "load", "counts", str(csv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(0.2 * attempt)
    areas = subprocess.run([*LSR, "areas"], capture_output=True, text=True, timeout=300, env=env)
    out, err = load.communicate(timeout=300)
    assert load.returncode == 0, err
    assert areas.returncode == 0, areas.stderr
    assert "Hartlepool" in areas.stdout
    built = [text for text in (out, areas.stdout) if "Built the default database" in text]
    assert len(built) == 1  # one process built it; the other waited and used it
    assert "1 file(s) loaded" in out
    assert _readmission_rows(db) == [("E10000002", 300.0), ("E10000025", 410.0)]  # not lost
    assert sorted(p.name for p in db.parent.iterdir()) == ["lsr.duckdb"]


def test_the_same_file_loaded_twice_at_once_is_loaded_once(store: Path, tmp_path: Path) -> None:
    csv = tmp_path / "counts.csv"
    csv.write_text(COUNTS, encoding="utf-8")
    procs = [
        subprocess.Popen(
            [*LSR, "load", "counts", str(csv), "--db", str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    text = " ".join(out for out, _err in outputs)
    assert "1 file(s) loaded, 0 skipped" in text and "0 file(s) loaded, 1 skipped" in text
    assert _readmission_rows(store) == [("E10000002", 300.0), ("E10000025", 410.0)]


def _simulating(pid: int) -> bool:
    """Whether the sweep ``pid`` has its worker processes (it is simulating)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return bool(children.read_text().split())
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sweep_does_not_hold_the_store_while_it_simulates(store: Path) -> None:
    """A real sweep: while its worker processes simulate, another process can even write to
    the store; its results are all stored at the end."""
    sweep = subprocess.Popen(
        [*LSR, "sweep", "winter", "--areas", ",".join(f"E0600000{i}" for i in range(1, 10)),
         "-n", "10", "-w", "1", "--db", str(store)],  # long enough to watch (a few seconds)
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    writes = during = refused = 0
    try:
        while sweep.poll() is None:
            simulating = _simulating(sweep.pid)
            try:
                con = duckdb.connect(str(store))  # read-write: nobody else holds the store
            except duckdb.IOException:
                refused += simulating
                time.sleep(0.05)  # the sweep's brief read at the start, or its final write
                continue
            con.execute("CREATE TABLE IF NOT EXISTS probe (t DOUBLE)")
            con.execute("INSERT INTO probe VALUES (?)", [time.time()])
            con.close()
            writes += 1
            during += simulating and _simulating(sweep.pid)
            time.sleep(0.1)
        _out, err = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 0, err
    assert during >= 3 and refused == 0, (during, refused)  # free while it simulated
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM flow_runs").fetchone() == (9,)
        assert con.execute("SELECT count(*) FROM probe").fetchone() == (writes,)
    finally:
        con.close()


def test_finished_sweep_keeps_its_results_when_the_store_stays_busy(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LSR_STORE_COMMIT_WAIT", "1")
    with held_store(store, "read") as holder:  # a reader all along: no write can start
        result = runner.invoke(
            app,
            ["sweep", "winter", "--areas", "E06000001,E06000002", "-n", "1", "-w", "1",
             "--db", str(store)],
        )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    kept = sorted(tmp_path.glob("lsr-unstored-runs-*.results.parquet"))
    assert len(kept) == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [
        f"Error: the store {store} is in use by another lsr process (PID {holder.pid}); try "
        f"again when it has finished. The results were not stored; they are kept in {kept[0]}"
    ]
    frame = pd.read_parquet(kept[0])
    assert sorted(frame["area_code"].unique()) == ["E06000001", "E06000002"]
    assert {"scenario", "metric", "mean", "diff_lo", "run_id", "seed"} <= set(frame.columns)
    assert frame.groupby("area_code")["scenario"].nunique().tolist() == [4, 4]
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert "flow_runs" not in tables  # nothing half-stored


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tcp://127.0.0.1:9", "no Dask scheduler answered at tcp://127.0.0.1:9 within 4 s"),
        ("nonsense", "--scheduler nonsense: not a scheduler address"),
    ],
)
def test_unreachable_scheduler_is_one_line_within_10_s(
    store: Path, address: str, expected: str
) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [*LSR, "sweep", "winter", "--scheduler", address, "--db", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {expected}"), result.stderr
    assert elapsed < 10, elapsed


@pytest.mark.parametrize("command", [["areas"], ["profile", "--area", "Oxfordshire"]])
def test_a_file_that_is_not_a_store_is_one_line(tmp_path: Path, command: list[str]) -> None:
    bad = tmp_path / "not-a-store.duckdb"
    bad.write_bytes(b"not a DuckDB file " * 500)
    result = runner.invoke(app, [*command, "--db", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: the store {bad} could not be opened: ")


def test_init_empty_leaves_only_the_store(tmp_path: Path) -> None:
    db = tmp_path / "mine" / "lsr.duckdb"
    assert runner.invoke(app, ["init", "--empty", "--db", str(db)]).exit_code == 0
    assert sorted(p.name for p in db.parent.iterdir()) == ["lsr.duckdb"]
