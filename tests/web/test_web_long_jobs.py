"""Long jobs and the web application on one store, all real processes: ``lsr serve`` (gunicorn,
two workers) serves the overview, the progress report and the scenario pages to logged-in
clients while a real ``lsr sweep`` simulates and stores its results, ``lsr profile`` runs twice
and ``lsr load counts`` loads a file. No page may fail (no 500, no 503: the writes are short and
pages wait for them), no page may say "no results yet" when results exist, and nothing may be
lost: every sweep run, the load and the profiles are there at the end."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
import pytest

LSR = [sys.executable, "-c", "from lsr.cli.main import app; app()"]
#: Enough areas (x 4 replications) that the sweep simulates for a while: half a minute or more.
SWEEP_AREAS = ["E10000025", *(f"E0600000{i}" for i in range(1, 10))]


def _env() -> dict[str, str]:
    """The environment of the ``lsr`` processes: no LSR_ settings of this test run, except the
    web database (on a PostgreSQL run, the server uses PostgreSQL too)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSR_", "DJANGO_"))}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    if os.environ.get("LSR_WEB_DATABASE_URL"):
        env["LSR_WEB_DATABASE_URL"] = os.environ["LSR_WEB_DATABASE_URL"]
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """A logged-in client with its own cookies (one request at a time)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def get(self, path: str, body: str | None = None) -> tuple[int, str, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response.status, text, dict(response.headers)

    def login(self, username: str) -> None:
        _status, page, _ = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        form = {"csrfmiddlewaretoken": token.group(1), "username": username}
        form["password"] = f"{username}-demo-2019"
        status, _, _ = self.get("/accounts/login/", urlencode(form))
        assert status == 302 and "sessionid" in self.cookies


@pytest.fixture()
def store(default_store_path: Path, flow_store: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A copy of the default store holding one earlier run for Oxfordshire."""
    from lsr.data.flow_store import save_flow_run
    from lsr.data.store import connect

    path = tmp_path / "shared.duckdb"
    shutil.copy(default_store_path, path)
    result = flow_store["result"]
    con = connect(path)
    try:
        run = save_flow_run(
            con, scenario_file="winter.yaml", scenario_name=result.name,
            replications=2, seed=7, engine="compiled", results=result.results,
            area_code="E10000025",
        )  # fmt: skip
    finally:
        con.close()
    return {"path": path, "run": run}


@pytest.fixture()
def server(store: dict[str, Any], tmp_path: Path) -> Any:
    port = _free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [*LSR, "serve", "--port", str(port), "--data-dir", str(tmp_path / "web"),
         "--db", str(store["path"]), "--workers", "2", "--threads", "2", "--demo"],
        stdout=log, stderr=subprocess.STDOUT, env=_env(),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        try:
            if Browser(port).get("/accounts/login/")[0] == 200:
                break
        except OSError:
            pass
        assert proc.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "lsr serve did not answer"
        time.sleep(0.3)
    yield {"port": port, "log": log_path}
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def _simulating(pid: int) -> bool:
    """Whether the sweep ``pid`` has its worker processes (it is simulating; Linux)."""
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return False


def _counts_csv(path: Path) -> Path:
    rows = ["indicator,area_code,period,numerator,denominator"]
    for month in range(1, 13):
        for area, base in (("E10000025", 400), ("E10000002", 300), ("E06000001", 90)):
            rows.append(f"readmissions_30d_65,{area},2018-{month:02d},{base + month},{base * 5}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_pages_and_profile_keep_working_while_a_sweep_and_a_load_run(
    store: dict[str, Any], server: dict[str, Any], tmp_path: Path
) -> None:
    port = server["port"]
    browsers = [Browser(port) for _ in range(4)]  # one starts on each page
    for b in browsers:
        b.login("viewer")
    status, _, headers = browsers[0].get("/")
    review = re.search(r"/reviews/(\d+)/", headers.get("Location", ""))
    assert status == 302 and review
    rid = review.group(1)
    pages = {
        "overview": f"/reviews/{rid}/",
        "report": f"/reviews/{rid}/report/",
        "scenarios": f"/reviews/{rid}/scenarios/",
        "scenario": f"/reviews/{rid}/scenarios/{store['run']}/",
    }
    db = str(store["path"])
    sweep = subprocess.Popen(
        [*LSR, "sweep", "winter", "--areas", ",".join(SWEEP_AREAS), "-n", "4", "-w", "1",
         "--db", db],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    seen: list[tuple[str, int, bool, float]] = []
    problems: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def browse(b: Browser, offset: int) -> None:
        names = list(pages)
        k = offset
        while not done.is_set():
            name = names[k % len(names)]
            k += 1
            running = sweep.poll() is None  # asked while the sweep runs
            try:
                code, text, hdrs = b.get(pages[name])
            except OSError as exc:
                with lock:
                    problems.append(f"{name}: {exc}")
                continue
            with lock:
                seen.append((name, code, running, time.monotonic()))
                if code != 200:
                    problems.append(f"{name}: HTTP {code} {hdrs.get('Retry-After')}")
                if "No simulation results yet" in text or "Server Error" in text:
                    problems.append(f"{name}: {text[:200]}")

    threads = [threading.Thread(target=browse, args=(b, i)) for i, b in enumerate(browsers)]
    for t in threads:
        t.start()
    jobs: dict[str, tuple[subprocess.CompletedProcess[str], bool, bool]] = {}

    def job(name: str, args: list[str]) -> None:
        """Run ``lsr ARGS``; note whether the sweep was simulating when it started and ended."""
        start = _simulating(sweep.pid)
        done_ = subprocess.run(
            [*LSR, *args, "--db", db], capture_output=True, text=True, timeout=600, env=_env()
        )
        jobs[name] = (done_, start, _simulating(sweep.pid))

    profile = ["profile", "--area", "Oxfordshire", "--format", "json"]
    counts = str(_counts_csv(tmp_path / "counts.csv"))
    try:
        deadline = time.monotonic() + 120
        while not _simulating(sweep.pid):  # the sweep's workers have started
            assert sweep.poll() is None and time.monotonic() < deadline, sweep.communicate()
            time.sleep(0.1)
        runners = [
            threading.Thread(target=job, args=("profile 1", profile)),
            threading.Thread(target=job, args=("load", ["load", "counts", counts])),
        ]
        for r in runners:
            r.start()
        for r in runners:
            r.join(600)
        job("profile 2", profile)
        _out, sweep_err = sweep.communicate(timeout=600)
        time.sleep(2)  # a last round of pages after the sweep stored its results
    finally:
        done.set()
        for t in threads:
            t.join(180)
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 0, sweep_err
    assert problems == [], problems[:10]
    during = [s for s in seen if s[2]]
    assert {name for name, *_ in during} == set(pages)  # every page, while the sweep ran
    for name, (run, *_when) in sorted(jobs.items()):
        assert run.returncode == 0, (name, run.stderr)
        assert "Traceback" not in run.stderr, name
    assert jobs["profile 1"][1] and jobs["load"][1]  # both started while the sweep simulated
    for name in ("profile 1", "profile 2"):
        assert json.loads(jobs[name][0].stdout)["area_code"] == "E10000025"
    assert "1 file(s) loaded" in jobs["load"][0].stdout
    # Nothing lost: every run of the sweep, the earlier run and the load are in the store...
    con = duckdb.connect(db, read_only=True)
    try:
        areas = con.execute(
            "SELECT area_code FROM flow_runs WHERE run_id <> ? ORDER BY area_code", [store["run"]]
        ).fetchall()
        new_run = con.execute(
            "SELECT run_id FROM flow_runs WHERE area_code = 'E10000025' AND run_id <> ?",
            [store["run"]],
        ).fetchone()
        loaded = con.execute(
            "SELECT count(*) FROM indicator_counts WHERE source = 'counts.csv'"
        ).fetchone()
    finally:
        con.close()
    assert [a for (a,) in areas] == sorted(SWEEP_AREAS)
    assert loaded == (36,)
    # ... and the scenario page shows the sweep's new run beside the earlier one.
    code, text, _ = browsers[0].get(pages["scenarios"])
    assert code == 200 and new_run and f"/scenarios/{new_run[0]}/" in text
    assert f"/scenarios/{store['run']}/" in text
    assert "Traceback" not in server["log"].read_text()
