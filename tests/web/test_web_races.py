"""Real concurrency: two separate processes (``race_worker.py``), each with its own database
connection, on the database the tests run on (an SQLite file in WAL mode, as ``lsr serve``
uses, or PostgreSQL), interleaved at the points where a lost update used to happen.

* an Excel import and a save of one of its actions: whichever commits first wins, the other
  is refused with a conflict, and nothing of the refused one is written;
* two people marking the same milestone done: it ends done, the second is told it changed.
"""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from lsr.web.plan import excel

WORKER = Path(__file__).with_name("race_worker.py")
#: How long a request that must wait for the other process's locks is given to (wrongly) finish.
BLOCKED_FOR = 2.0

pytestmark = pytest.mark.slow


class Worker:
    """One worker process and the lines it answers."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        assert self.read(120) == {"ready": True}, self.proc.stderr.read()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, message: dict[str, Any] | str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((message if isinstance(message, str) else json.dumps(message)) + "\n")
        self.proc.stdin.flush()

    def read(self, timeout: float = 60) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.lines.get(timeout=timeout))
        assert "error" not in answer, answer["error"]
        return answer

    def call(self, **command: Any) -> Any:
        self.send(command)
        return self.read()["result"]

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.lines.put(self.lines.get(timeout=seconds))  # put back what came
        except queue.Empty:
            return True
        return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send({"op": "quit"})
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture()
def workers(
    audit_purge_for_flush: None, transactional_db: None, tmp_path: Path
) -> Iterator[tuple[Worker, Worker, Any]]:
    """Two workers on one database, seeded with the demo review: an SQLite file of their own,
    or, on PostgreSQL, the test database (committed for real, flushed after the test)."""
    env = dict(os.environ)
    src = Path(__file__).resolve().parents[2] / "src"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    if os.environ.get("LSR_WEB_DATABASE_URL"):
        from django.db import connection

        with connection.cursor() as cursor:  # the test database, whatever settings say
            cursor.execute("SELECT current_database()")
            (name,) = cursor.fetchone()
        assert name.startswith("test_")
        s = connection.settings_dict
        env["LSR_WEB_DATABASE_URL"] = (
            f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{name}"
        )
    else:
        env.pop("LSR_WEB_DATABASE_URL", None)
        (tmp_path / "web").mkdir()
        env["LSR_WEB_DATA_DIR"] = str(tmp_path / "web")
    first = Worker(env)
    try:
        ids = first.call(op="setup")
        second = Worker(env)
        try:
            yield first, second, ids
        finally:
            second.stop()
    finally:
        first.stop()


def _workbook_changing(worker: Worker, ids: dict[str, Any], action_id: int, what: str) -> str:
    """The review's export with one action's text changed and a new action added."""
    data = base64.b64decode(worker.call(op="export", review=ids["review"])["data"])
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == action_id)
    row[2].value = what
    new = [c.value for c in row]
    new[0], new[1], new[2], new[14] = None, "NEW", "A new action from the import", None
    ws.append(new)
    buffer = io.BytesIO()
    wb.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_save_while_the_import_is_read_makes_the_import_a_conflict(
    workers: tuple[Worker, Worker, Any],
) -> None:
    """The save commits after the import read the workbook, before its transaction: the
    import must see it (versions checked inside its transaction), not overwrite it."""
    importer, editor, ids = workers
    action = ids["actions"][0]
    before = importer.call(op="state", action=action)
    form = editor.call(op="form", action=action)  # opened before the import starts
    data = _workbook_changing(importer, ids, action, "From the import")
    importer.send(
        {"op": "import", "review": ids["review"], "user": "admin", "data": data, "pause": "before"}
    )
    assert importer.read() == {"paused": "before"}
    changes = {"what": "Saved meanwhile"}
    saved = editor.call(op="edit", action=action, user="lead", form=form, changes=changes)
    assert saved["status"] == 302
    importer.send("go")
    result = importer.read()["result"]
    assert result["ok"] is False
    assert any(
        f"column 'version': action {action} was changed by lead" in e for e in result["errors"]
    ), result["errors"]
    after = importer.call(op="state", action=action)
    assert after["what"] == "Saved meanwhile" and after["version"] == before["version"] + 1
    assert after["actions"] == before["actions"]  # the new row was not written either


def test_a_save_during_the_import_waits_and_then_conflicts(
    workers: tuple[Worker, Worker, Any],
) -> None:
    """The save comes while the import holds its locks: it waits for the import to commit,
    then finds the version it was opened with stale (409), and the import's change stands."""
    importer, editor, ids = workers
    action = ids["actions"][1]
    before = importer.call(op="state", action=action)
    form = editor.call(op="form", action=action)  # opened before the import starts
    data = _workbook_changing(importer, ids, action, "From the import")
    importer.send(
        {"op": "import", "review": ids["review"], "user": "admin", "data": data, "pause": "inside"}
    )
    assert importer.read() == {"paused": "inside"}
    changes = {"what": "Saved meanwhile"}
    editor.send({"op": "edit", "action": action, "user": "lead", "form": form, "changes": changes})
    assert editor.nothing_within(BLOCKED_FOR), "the save did not wait for the import's locks"
    importer.send("go")
    assert importer.read()["result"]["ok"] is True
    saved = editor.read()["result"]
    assert saved["status"] == 409
    assert "your changes were not saved" in saved["text"]
    after = importer.call(op="state", action=action)
    assert after["what"] == "From the import" and after["version"] == before["version"] + 1
    assert after["actions"] == before["actions"] + 1


def test_two_people_marking_a_milestone_done_leave_it_done(
    workers: tuple[Worker, Worker, Any],
) -> None:
    first, second, ids = workers
    milestone, version = ids["milestone"], ids["milestone_version"]
    request = {"op": "milestone", "milestone": milestone, "done": "true", "version": version}
    first.send({**request, "user": "lead", "pause": "inside"})
    assert first.read() == {"paused": "inside"}
    second.send({**request, "user": "admin"})
    assert second.nothing_within(BLOCKED_FOR), "the second request did not wait for the first"
    first.send("go")
    assert first.read()["result"]["status"] == 302
    refused = second.read()["result"]
    assert refused["status"] == 409
    assert "was changed by lead at" in refused["text"] and "now marked as done" in refused["text"]
    state = first.call(op="state", action=ids["actions"][0], milestone=milestone)
    assert state["milestone"] == {"done": True, "version": version + 1}
