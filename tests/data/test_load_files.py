"""``load_files``: every file checked before anything is written; --skip-bad loads the good."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.loading import load_files
from lsr.data.store import connect


def _read(path: Path) -> list[int]:
    text = path.read_text()
    if text.startswith("bad"):
        raise LoadError(path, "not a number", row=1, field="value")
    return [int(x) for x in text.split()]


def _store(tx: duckdb.DuckDBPyConnection, path: Path, values: list[int]) -> int:
    if 13 in values:  # a store-time check (e.g. conflicting numbers), before any insert
        raise LoadError(path, "13 conflicts with the store", row=1, field="value")
    for v in values:
        tx.execute("INSERT INTO t VALUES (?)", [v])
    return len(values)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = connect(":memory:")
    c.execute("CREATE TABLE t (v INTEGER)")
    return c


def _files(tmp_path: Path, contents: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in contents.items():
        p = tmp_path / name
        p.write_text(text)
        paths.append(p)
    return paths


def _rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM t").fetchone()[0]


def test_every_bad_file_is_reported_and_nothing_is_written(con, tmp_path) -> None:
    paths = _files(tmp_path, {"a.txt": "1 2", "b.txt": "bad", "c.txt": "3", "d.txt": "bad too"})
    with pytest.raises(LoadErrors) as info:
        load_files(con, paths, "test", _read, _store)
    assert [Path(e.file).name for e in info.value.errors] == ["b.txt", "d.txt"]
    assert "2 files could not be loaded" in str(info.value)
    assert "b.txt, row 1, field 'value': not a number" in str(info.value)
    assert _rows(con) == 0
    assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 0


def test_store_time_errors_roll_back_the_whole_batch(con, tmp_path) -> None:
    paths = _files(tmp_path, {"a.txt": "1 2", "b.txt": "13", "c.txt": "bad"})
    with pytest.raises(LoadErrors) as info:
        load_files(con, paths, "test", _read, _store)
    # a read error is found first; the store-time error is not reached without --skip-bad
    assert [Path(e.file).name for e in info.value.errors] == ["c.txt"]
    paths = _files(tmp_path, {"a.txt": "1 2", "b.txt": "13"})
    with pytest.raises(LoadErrors) as info:
        load_files(con, paths, "test", _read, _store)
    assert [Path(e.file).name for e in info.value.errors] == ["b.txt"]
    assert _rows(con) == 0


def test_skip_bad_loads_the_good_files_and_lists_the_bad(con, tmp_path) -> None:
    paths = _files(tmp_path, {"a.txt": "1 2", "b.txt": "bad", "c.txt": "13", "d.txt": "4"})
    summary = load_files(con, paths, "test", _read, _store, skip_bad=True)
    assert _rows(con) == 3
    assert summary.files_loaded == 2
    assert [Path(e.file).name for e in summary.bad] == ["b.txt", "c.txt"]
    assert "2 bad file(s) left out" in str(summary)
    # the bad files are not recorded as loaded: fixing them and loading again works
    (tmp_path / "b.txt").write_text("5")
    again = load_files(con, paths, "test", _read, _store, skip_bad=True)
    assert again.files_loaded == 1 and again.files_skipped == 2
    assert _rows(con) == 4


def test_same_bytes_twice_and_other_kinds(con, tmp_path) -> None:
    paths = _files(tmp_path, {"a.txt": "1", "b.txt": "1"})
    summary = load_files(con, paths, "test", _read, _store)
    assert (summary.files_loaded, summary.files_skipped) == (1, 1)
    assert any(
        "b.txt: already loaded (same file) (same bytes as a.txt)" in n for n in summary.notes
    )
    with pytest.raises(LoadErrors, match="loaded before as test data"):
        load_files(con, paths[:1], "other", _read, _store)


def test_progress_is_called_for_every_file(con, tmp_path) -> None:
    paths = _files(tmp_path, {"a.txt": "1", "b.txt": "bad"})
    calls: list[tuple[int, int, str]] = []
    load_files(
        con, paths, "test", _read, _store, skip_bad=True, progress=lambda *a: calls.append(a)
    )
    assert calls == [(1, 2, "a.txt"), (2, 2, "b.txt")]


def test_kind_of_records_each_files_own_kind(con, tmp_path) -> None:
    """One command, two kinds of file into the same table: each is recorded as its own kind."""
    paths = _files(tmp_path, {"a.csv": "1", "b.xls": "2"})

    def kind_of(path: Path) -> str:
        return "workbook" if path.suffix == ".xls" else "csv"

    summary = load_files(con, paths, "mixed", _read, _store, kind_of=kind_of)
    assert summary.kind == "mixed" and summary.files_loaded == 2
    kinds = dict(con.execute("SELECT file_name, kind FROM loads").fetchall())
    assert kinds == {"a.csv": "csv", "b.xls": "workbook"}
    # the same bytes under another name are a no-op; loaded as another kind, an error
    twin = _files(tmp_path, {"c.xls": "2"})
    assert load_files(con, twin, "mixed", _read, _store, kind_of=kind_of).files_skipped == 1
    with pytest.raises(LoadErrors, match="loaded before as workbook data"):
        load_files(con, twin, "csv", _read, _store)
