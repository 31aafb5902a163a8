"""Every ``lsr load`` command against every kind of bad file: exit code 2, an ``Error:`` line
naming the file, no traceback, nothing longer than a few hundred characters, nothing written;
and a value that looks like Rich markup is printed as it is, not interpreted."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

from raw_data import RAW

runner = CliRunner()

COMMANDS = ("ae", "ascof", "catchment", "comparators", "counts", "dtoc", "episodes")
COMMANDS += ("mar", "oflog", "population")


def _unreadable(path: Path) -> None:
    """A file this process cannot read (as root, who reads everything, a link to a file whose
    every read fails)."""
    if os.geteuid() == 0:
        path.symlink_to("/proc/self/mem")
    else:
        path.write_text("area_code,peer_code\n")
        path.chmod(0)


BAD_FILES: dict[str, Callable[[Path], None]] = {
    "empty": lambda p: p.write_bytes(b""),
    "binary": lambda p: p.write_bytes(bytes(range(256)) * 64),
    "nul-bytes": lambda p: p.write_bytes(b"area_code,peer_code\n\x00\x00\x00,E\x00\n" * 50),
    "not-utf8": lambda p: p.write_bytes("area_code,name\nE10000025,Caf\xe9\n".encode("cp1252")),
    "huge-header": lambda p: p.write_text(",".join(f"c{i}" for i in range(300_000)) + "\n1\n"),
    "ragged": lambda p: p.write_text("a,b,c\n1,2\n1,2,3,4,5\n"),
    "unreadable": _unreadable,
    "truncated-zip": lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 100),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the ONS mid-2017 population (areas), for every command to fail against."""
    db = tmp_path_factory.mktemp("store") / "lsr.duckdb"
    assert runner.invoke(app, ["init", "--empty", "--db", str(db)]).exit_code == 0
    shipped = RAW / "ons_mye2017_upper_tier_la_from_lsoa.csv"
    result = runner.invoke(app, ["load", "population", str(shipped), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _tables(db: Path) -> list[tuple[str, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return [(n, con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names]
    finally:
        con.close()


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
@pytest.mark.parametrize("command", COMMANDS)
def test_every_load_command_fails_cleanly(
    store: Path, tmp_path: Path, command: str, bad: str
) -> None:
    suffix = {"dtoc": ".xls", "mar": ".xls", "episodes": ".csv"}.get(command, ".csv")
    path = tmp_path / f"bad_{bad}{suffix}"
    BAD_FILES[bad](path)
    before = _tables(store)
    result = runner.invoke(app, ["load", command, str(path), "--db", str(store)])
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    errors = [line for line in result.stderr.splitlines() if "Error:" in line]
    assert errors, output
    assert all(len(line) < 800 for line in result.stderr.splitlines()), output[:2000]
    assert path.name in result.stderr.replace("\n", "")
    assert _tables(store) == before


def test_markup_in_a_value_is_printed_as_it_is(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text(
        "indicator,area_code,period,numerator,denominator\n[/],E10000025,2018-07,1,10\n"
    )
    result = runner.invoke(app, ["load", "counts", str(path), "--db", str(store)])
    assert result.exit_code == 2
    assert "unknown indicator '[/]'" in result.stderr
    path.write_text(
        "indicator,area_code,period,numerator,denominator\n[bold]x,E10000025,2018-07,1,10\n"
    )
    result = runner.invoke(app, ["load", "counts", str(path), "--db", str(store)])
    assert result.exit_code == 2
    assert "unknown indicator '[bold]x'" in result.stderr


def test_a_zero_population_is_refused(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text("area_code,area_name,year,age_band,population\nE10000099,Newshire,2017,65+,0\n")
    before = _tables(store)
    result = runner.invoke(app, ["load", "population", str(path), "--db", str(store)])
    assert result.exit_code == 2
    err = " ".join(result.stderr.split())
    assert "zero.csv, row 2, field 'population': 0 must be greater than zero" in err
    assert _tables(store) == before
