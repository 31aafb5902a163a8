"""The audit trail across real processes, on a database of its own (a SQLite file, or a scratch
PostgreSQL database when ``LSR_WEB_DATABASE_URL`` is set): concurrent writers do not fork the
chain, migration 0005 chains the rows written before it, and ``lsr audit verify`` (the real
command) reports OK or names the first row that was tampered with through the database itself.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_scratch import WORKER, Scratch, scratch_fixture  # noqa: F401 - the fixture

T = "plan_auditevent"


def _ok_count(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"OK: (\d+) audit rows, hash chain intact", result.stdout)
    assert match, result.stdout
    return int(match.group(1))


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    # one line per problem: the chain's first, and each guard
    assert lines and all(line.startswith(("Error: ", "Audit trail ")) for line in lines), lines
    return " ".join(lines)


def test_concurrent_writers_do_not_fork_the_chain(scratch: Scratch, tmp_path: Path) -> None:
    scratch.run("migrate")
    workers, each = 4, 60
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "append", str(w), str(each), str(tmp_path)],
            env=scratch.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for w in range(workers)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < workers:
        assert time.monotonic() < deadline, "workers did not start"
        assert all(p.poll() is None for p in procs), [p.communicate()[0] for p in procs]
        time.sleep(0.02)
    (tmp_path / "go").touch()  # all at once
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0, out
    rows = scratch.execute(f"SELECT seq, prev_hash, actor_username FROM {T} ORDER BY id")
    assert len(rows) == workers * each
    assert [r[0] for r in rows] == list(range(1, workers * each + 1))
    assert len({r[1] for r in rows}) == len(rows)  # no two rows follow the same row
    # the writers really interleaved
    switches = sum(1 for a, b in itertools.pairwise(rows) if a[2] != b[2])
    assert switches > workers
    assert _ok_count(scratch.verify()) == workers * each


def test_migration_chains_rows_written_before_it(scratch: Scratch) -> None:
    scratch.run("migrate", "0003")
    scratch.run("legacy", "25")
    assert scratch.execute(f"SELECT count(*) FROM {T}") == [(25,)]
    scratch.run("migrate")
    assert _ok_count(scratch.verify()) == 25
    hashes = scratch.execute(f"SELECT seq, hash FROM {T} ORDER BY id")
    assert [s for s, _ in hashes] == list(range(1, 26)) and all(len(h) == 64 for _, h in hashes)
    # reversed, the guards of migration 0002 are back; forwards again, the same chain
    scratch.run("migrate", "0003")
    with pytest.raises(Exception, match="append-only"):
        scratch.execute(f"UPDATE {T} SET detail = 'x'")
    scratch.run("migrate")
    assert scratch.execute(f"SELECT seq, hash FROM {T} ORDER BY id") == hashes


#: What a shell on the database file can try, guards in place.
SHELL_ATTACKS = {
    "sqlite": [
        f"UPDATE {T} SET detail = 'x' WHERE id = 3",
        f"DELETE FROM {T} WHERE id = 3",
        f"DELETE FROM {T}",
        f"REPLACE INTO {T} (id, at, actor_username, kind, model, object_id, detail, "
        "prev_hash, hash) VALUES (3, '2020-01-01', '', 'login', '', '', 'x', '', '')",
        "PRAGMA recursive_triggers = ON",  # then REPLACE again: refused the same
        f"INSERT OR REPLACE INTO {T} (id, at, actor_username, kind, model, object_id, detail, "
        "prev_hash, hash) VALUES (3, '2020-01-01', '', 'login', '', '', 'x', '', '')",
    ],
    "postgresql": [
        f"UPDATE {T} SET detail = 'x' WHERE id = 3",
        f"DELETE FROM {T} WHERE id = 3",
        f"TRUNCATE {T}",
        # the purge setting works only in test databases (test_*), not here
        f"SET lsr.audit_purge = 'on'; TRUNCATE {T}",
        f"INSERT INTO {T} (id, at, actor_username, kind, model, object_id, detail, "
        "prev_hash, hash) VALUES (3, now(), '', 'login', '', '', 'x', '', '') "
        "ON CONFLICT (id) DO UPDATE SET detail = 'x'",
    ],
}
DROP_GUARDS = {
    "sqlite": [
        "DROP TRIGGER plan_auditevent_no_update",
        "DROP TRIGGER plan_auditevent_no_delete",
        "DROP TRIGGER plan_auditevent_no_replace",
    ],
    "postgresql": [
        f"DROP TRIGGER plan_auditevent_append_only ON {T}",
        f"ALTER TABLE {T} DISABLE TRIGGER plan_auditevent_no_truncate",
    ],
}


def test_verify_command_on_a_database_tampered_with(scratch: Scratch) -> None:
    scratch.run("migrate", "0003")
    scratch.run("legacy", "12")
    scratch.run("migrate")
    first = scratch.verify()
    assert _ok_count(first) == 12
    anchor = re.search(r"--anchor (\d+:[0-9a-f]{64})", first.stdout)
    assert anchor and _ok_count(scratch.verify("--anchor", anchor.group(1))) == 12

    con = scratch.connect()
    try:
        for sql in SHELL_ATTACKS[scratch.vendor]:
            if sql.startswith("PRAGMA"):
                con.execute(sql)
                continue
            with pytest.raises(Exception, match=r"append-only|no such function"):
                con.execute(sql)
    finally:
        con.close()
    assert _ok_count(scratch.verify()) == 12

    for sql in DROP_GUARDS[scratch.vendor]:
        scratch.execute(sql)
    # Each tampering below is earlier in the chain than the one before: it is the one reported.
    scratch.execute(f"DELETE FROM {T} WHERE id >= 11")  # the end: an anchor shows it
    text = _one_line_error(scratch.verify("--anchor", anchor.group(1)))
    assert "deleted: the anchored row id 12 is no longer in the table" in text
    assert "guard FAILED" in text and ("missing" in text or "disabled" in text)
    if scratch.vendor == "sqlite":  # SQLite never reissues ids: the cut shows without one
        text = _one_line_error(scratch.verify())
        assert "deleted: the last rows are missing after row id 10: ids up to 12" in text

    scratch.execute(f"UPDATE {T} SET detail = 'nothing happened' WHERE id = 7")
    text = _one_line_error(scratch.verify())
    assert "changed: the fields of row id 7 no longer match its hash" in text

    scratch.execute(f"DELETE FROM {T} WHERE id = 7")
    text = _one_line_error(scratch.verify())
    assert "deleted: 1 row missing after row id 6, before row id 8" in text


def test_verify_command_errors_are_one_line(scratch: Scratch, tmp_path: Path) -> None:
    if scratch.vendor == "sqlite":
        text = _one_line_error(scratch.verify())  # nothing there yet: nothing is created
        assert "No web database at" in text
        assert not (tmp_path / "web" / "lsr-web.sqlite3").exists()
    else:
        text = _one_line_error(scratch.verify())
        assert "no audit trail" in text
    scratch.run("migrate")
    for bad in ("12", "x:abc", "3:" + "g" * 64, "3:" + "a" * 63):
        text = _one_line_error(scratch.verify("--anchor", bad))
        assert "--anchor must be ROW_ID:HASH" in text
    text = _one_line_error(scratch.verify("--anchor", "5:" + "a" * 64))
    assert "deleted: the anchored row id 5 is no longer in the table" in text
    result = scratch.verify()
    assert result.returncode == 0 and "OK: the audit trail is empty" in result.stdout
