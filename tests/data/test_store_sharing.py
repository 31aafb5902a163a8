"""How processes share the store (lsr.data.store_sharing): shared connections hold the store
read-write only inside a transaction, waits are bounded, a busy store is one clear error, and the
default store is built once when several processes start together. Every lock here is held by
another real process (DuckDB's locks are per process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from lsr.data.default import _link_without_replacing, build_lock_path, ensure_default_store
from lsr.data.store import StoreBusy, connect, open_shared, transaction
from lsr.data.store_sharing import is_busy_error

from store_holder import held_store, start_holder, stop_holder

_PROBE = r"""
import sys, duckdb
try:
    duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read").close()
    print("ok")
except duckdb.Error as exc:
    print("busy" if "lock" in str(exc) else f"error {exc}")
"""


def _probe(path: Path, mode: str) -> str:
    """Can another process open the store now ("read": read-only, "write": read-write)?"""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "shared.duckdb"
    shutil.copy(default_store_path, target)
    return target


def _count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM comparators").fetchone()[0])
    finally:
        con.close()


def test_shared_connection_is_exclusive_only_inside_a_transaction(store: Path) -> None:
    con = open_shared(store)
    try:
        assert _probe(store, "read") == "ok"  # others read while a command has it open
        assert _probe(store, "write") == "busy"  # ... but do not write under its reads
        before = con.execute("SELECT count(*) FROM comparators").fetchone()[0]
        with transaction(con):
            con.execute("INSERT INTO comparators VALUES ('E99999999', 'E99999998', 'test')")
            assert _probe(store, "read") == "busy"  # the write itself is exclusive
        assert _probe(store, "read") == "ok"  # and only for the transaction
        assert con.execute("SELECT count(*) FROM comparators").fetchone()[0] == before + 1
        with pytest.raises(duckdb.Error, match="read-only"):  # outside a transaction: no writes
            con.execute("DELETE FROM comparators")
    finally:
        con.close()
    assert _probe(store, "write") == "ok"
    assert _count(store) == before + 1


def test_failed_transaction_writes_nothing_and_releases(store: Path) -> None:
    before = _count(store)
    con = open_shared(store)
    try:
        with pytest.raises(RuntimeError), transaction(con):
            con.execute("INSERT INTO comparators VALUES ('E99999999', 'E99999998', 'test')")
            raise RuntimeError("stop")
        assert _probe(store, "read") == "ok"
        assert con.execute("SELECT count(*) FROM comparators").fetchone()[0] == before
    finally:
        con.close()
    assert _count(store) == before


def test_busy_store_is_one_error_naming_file_and_process(store: Path) -> None:
    with held_store(store) as holder:
        for opener in (
            lambda: connect(store, read_only=True, wait=0.3),
            lambda: connect(store, wait=0.3),
            lambda: open_shared(store, wait=0.3),
        ):
            started = time.monotonic()
            with pytest.raises(StoreBusy) as caught:
                opener()
            waited = time.monotonic() - started
            assert 0.3 <= waited < 5
            message = str(caught.value)
            assert message == (
                f"the store {store} is in use by another lsr process (PID {holder.pid}); "
                "try again when it has finished"
            )
            assert caught.value.pid == holder.pid and "\n" not in message


def test_reads_wait_for_a_short_write(store: Path) -> None:
    holder = start_holder(store, "write", seconds=1.0)  # releases by itself after 1 s
    try:
        started = time.monotonic()
        con = connect(store, read_only=True, wait=20)
        assert time.monotonic() - started >= 0.5
        assert con.execute("SELECT count(*) FROM areas").fetchone()[0] > 100
        con.close()
    finally:
        stop_holder(holder)


def test_write_transaction_waits_for_readers_then_writes(store: Path) -> None:
    before = _count(store)
    con = open_shared(store, wait=20)
    try:
        holder = start_holder(store, "read", seconds=1.0)  # a reader for 1 s
        try:
            started = time.monotonic()
            with transaction(con):
                con.execute("INSERT INTO comparators VALUES ('E99999999', 'E99999998', 'test')")
            assert time.monotonic() - started >= 0.5
        finally:
            stop_holder(holder)
    finally:
        con.close()
    assert _count(store) == before + 1


def test_transaction_on_a_busy_store_fails_cleanly_and_keeps_reading(store: Path) -> None:
    before = _count(store)
    con = open_shared(store, wait=0.3)
    try:
        with held_store(store, "read") as holder:
            with pytest.raises(StoreBusy) as caught, transaction(con):
                con.execute("INSERT INTO comparators VALUES ('E99999999', 'E99999998', 't')")
            assert caught.value.pid == holder.pid
            assert con.execute("SELECT count(*) FROM comparators").fetchone()[0] == before
    finally:
        con.close()
    assert _count(store) == before


def test_other_errors_are_not_taken_for_a_busy_store(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-store.duckdb"
    bad.write_bytes(b"this is not a DuckDB file" * 200)
    started = time.monotonic()
    with pytest.raises(duckdb.Error) as caught:
        connect(bad, read_only=True, wait=10)
    assert time.monotonic() - started < 5  # no waiting on an error that is not a lock
    assert not isinstance(caught.value, StoreBusy)
    assert is_busy_error(caught.value) == (False, None)


_BUILD = r"""
import sys
from pathlib import Path
from lsr.data.default import ensure_default_store
print(ensure_default_store(Path(sys.argv[1])), flush=True)
"""


def test_default_store_is_built_once_when_processes_start_together(tmp_path: Path) -> None:
    path = tmp_path / "user" / "lsr.duckdb"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _BUILD, str(path)], stdout=subprocess.PIPE, text=True, env=env
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4
    assert sorted(outputs) == ["False", "False", "False", "True"]  # one built, three waited
    assert sorted(p.name for p in path.parent.iterdir()) == ["lsr.duckdb"]  # no leftovers
    assert _count(path) > 0


def test_waiting_for_a_build_is_bounded(tmp_path: Path) -> None:
    from filelock import FileLock

    path = tmp_path / "lsr.duckdb"
    code = (
        "import sys, time; from filelock import FileLock; lock = FileLock(sys.argv[1]); "
        "lock.acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(build_lock_path(path))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy, match="is being built by another lsr process"):
            ensure_default_store(path, wait=0.5)
        assert not path.exists()
    finally:
        holder.kill()
        holder.wait()
    assert FileLock(build_lock_path(path)).acquire(timeout=5)  # released with its process


def test_an_existing_store_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "lsr.duckdb"
    path.write_bytes(b"somebody's store")
    built = tmp_path / "new.building"
    built.write_bytes(b"a new build")
    _link_without_replacing(built, path)
    assert path.read_bytes() == b"somebody's store"
    assert ensure_default_store(path) is False
    assert path.read_bytes() == b"somebody's store"
