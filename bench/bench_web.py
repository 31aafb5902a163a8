"""Benchmark: the web application under 50 concurrent logged-in users, on loopback.

The server is started exactly as ``lsr serve`` starts it: a child process runs the ``lsr serve``
command (``lsr.cli.main.app``) on 127.0.0.1 and a free port, with ``--data-dir`` a fresh
temporary folder (so a fresh SQLite database, migrated and seeded with the Oxfordshire demo) and
``--db`` a fresh embedded DuckDB store built there (or ``--db STORE``). By default that is
gunicorn with ``--workers`` worker processes (default: one per CPU core, as ``lsr serve``) of 4
threads; ``--dev`` benchmarks Django's single-process threaded development server instead
(``lsr serve --dev``, what ``lsr serve`` ran before it had workers).

This process logs ``--clients`` clients in (demo users in turn; http.client with their own
cookies and CSRF token, at most 4 logins at once because each Argon2 check uses ~100 MB), times
the **cold** first request of the area overview (the indicator profile is computed once per
worker process and cached) and of the action list, one client alone, warms up (every client
requests each page once, not timed), and then measures two cases, each page in turn: the area
overview, the action list and, as **baselines** under the same load from the same server in the
same run, a static file (``lsr/web.css``) and the login page (anonymous). Each client keeps
one HTTP/1.1 connection open and reuses it, as a browser does (``--new-connections``: a new
connection per request, ``Connection: close``, what this benchmark did before).

(a) **Concurrent users** (the target case): each client waits a think time between its
    requests, as a user reads a page; the usual meaning of "N concurrent users" in load
    testing. Think times are drawn uniformly from 0.5x to 1.5x ``--think-time`` (default 1 s;
    seeded), and each client's first request is delayed by a random fraction of one think time,
    so the clients do not all fire at the same instant on every round.
(b) **Stress** (no think time, the measurement this benchmark made before ``--think-time``
    existed): all clients start together and each sends its next request as soon as the last
    one is answered. This measures a saturated server: latency is then bounded below by
    clients / throughput (Little's law), not by the work a request needs.

Printed per case and page: p50, p95 and max latency (ms), throughput (requests/s over the
phase), errors, p95 against the target (p95 < 200 ms; it applies to case (a)) and the ratios page
p95 / static p95 and page p95 / login p95.

Bounded: ``--clients`` x ``--requests`` per page and case, a 30 s timeout per request and an
overall ``--max-seconds`` after which clients stop and the server stops by itself (SIGTERM to
itself, then exit). Loopback only.

``--during-sweep``: the same measurement while a real ``lsr sweep`` runs on the same store the
whole time (one sweep after another: ``lsr sweep winter --areas all -n 2``, every core, as a user
runs it; ``--sweep-areas``, ``--sweep-replications``, ``--sweep-workers``). One quick sweep of
Oxfordshire is stored first, so that the **scenario results page** (measured too in this mode:
it reads the store on every request) has results to show. At the end the benchmark checks that
every completed sweep stored all its runs and prints how many requests were made while a sweep
was running. Any page that is not a 200 with its content (a 500, or the 503 "busy" page) is an
error.

Run: .venv/bin/python bench/bench_web.py [--clients 50] [--requests 20] [--think-time 1]
     [--workers N | --dev] [--db STORE] [--new-connections] [--cases ab] [--max-seconds 900]
     [--during-sweep [--sweep-areas all] [--sweep-replications 2] [--sweep-workers N]]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
TARGET_P95_MS = 200.0
TIMEOUT_S = 30.0
#: Timeout of the cold first requests (a worker computes the national profile; with a sweep
#: using every core of a small machine that can take longer than TIMEOUT_S).
COLD_TIMEOUT_S = 180.0
LOGIN_CONCURRENCY = 4
USERS = ("viewer", "lead", "partner", "partner2", "reviewer", "admin")


# --------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def serve(data_dir: Path, db: str | None, port: int, args: argparse.Namespace) -> None:
    """Child process: run ``lsr serve`` (the command itself) on ``port``; stop by itself."""
    if not db:
        from lsr.data.default import ensure_default_store

        store = data_dir / "lsr.duckdb"
        ensure_default_store(store)
        db = str(store)

    def stop() -> None:  # gunicorn's master stops its workers on SIGTERM
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(15)
        os._exit(0)

    timer = threading.Timer(args.max_seconds, stop)
    timer.daemon = True
    timer.start()
    from lsr.cli.main import app

    argv = ["serve", "--host", HOST, "--port", str(port), "--data-dir", str(data_dir), "--db", db]
    argv += ["--demo"]  # the demo review and its users (opt-in since demo data needs --demo)
    argv += ["--dev"] if args.dev else ["--workers", str(args.workers)]
    app(argv)


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


class Client:
    """One browser-like client: its own cookies, one request at a time. ``keep_alive`` (the
    default, as browsers do): one HTTP/1.1 connection reused for the client's requests, opened
    again when the server has closed it (as a browser retries an idempotent request on a
    closed keep-alive connection; the retry is inside the timed request). Otherwise a new
    connection per request (``Connection: close``)."""

    def __init__(self, port: int, keep_alive: bool = True) -> None:
        self.port = port
        self.keep_alive = keep_alive
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.timeout = TIMEOUT_S

    def _send(
        self, method: str, path: str, body: str | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            return self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.close()
            if not reused:
                raise
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=headers)
            return self.conn.getresponse()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, str, dict[str, str], float]:
        headers = {"Host": f"{HOST}:{self.port}"}
        if not self.keep_alive:
            headers["Connection"] = "close"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            response = self._send(method, path, body, headers)
            data = response.read()
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
        except BaseException:
            self.close()
            raise
        for value in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, data.decode("utf-8", "replace"), dict(response.headers), elapsed

    def login(self, username: str) -> None:
        status, page, _, _ = self.request("GET", "/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"login page: HTTP {status}")
        form = {
            "csrfmiddlewaretoken": match.group(1),
            "username": username,
            "password": f"{username}-demo-2019",
            "next": "",
        }
        status, _, _, _ = self.request("POST", "/accounts/login/", urlencode(form))
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")


def check(page: str, status: int, body: str) -> bool:
    if status != 200:
        return False
    if page == "overview":
        return "overview</h1>" in body
    if page == "scenarios":  # results were stored before the measurement: they must show
        return "Scenario results</h1>" in body and "No simulation results yet" not in body
    if page == "actions":
        return "<table" in body
    if page == "login":
        return "csrfmiddlewaretoken" in body
    return len(body) > 100


def run_phase(
    clients: list[Client],
    page: str,
    path: str,
    requests: int,
    deadline: float,
    think: float,
    seed: int,
    running: Callable[[], bool] | None = None,
) -> dict[str, float]:
    """Each client requests ``path`` ``requests`` times in turn. ``think`` 0: all start together
    and send the next request at once; otherwise each starts after a random fraction of one
    think time and waits 0.5-1.5 x ``think`` (uniform) after each answer. ``running()``: whether
    a sweep runs (answers while it does are counted)."""
    latencies: list[float] = []
    errors = [0]
    during = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)

    def work(i: int, c: Client) -> None:
        rng = random.Random(seed * 1000 + i)
        mine: list[float] = []
        bad = mid = 0
        barrier.wait()
        if think:
            time.sleep(rng.uniform(0, think))
        for k in range(requests):
            if time.monotonic() > deadline:
                break
            if think and k:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
            try:
                status, body, _, elapsed = c.request("GET", path)
            except OSError:
                bad += 1
                continue
            mine.append(elapsed)
            bad += not check(page, status, body)
            mid += running is not None and running()
        with lock:
            latencies.extend(mine)
            errors[0] += bad
            during[0] += mid

    threads = [
        threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + TIMEOUT_S)
    wall = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    if not ms:
        raise RuntimeError(f"{page}: no request completed")
    return {
        "n": len(ms),
        "p50": statistics.median(ms),
        "p95": ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)],
        "max": ms[-1],
        "rps": len(ms) / wall,
        "errors": errors[0],
        "during": during[0],
    }


def wait_ready(port: int, server: subprocess.Popen[bytes], limit: float) -> None:
    """Poll the login page until the server answers (it migrates and seeds first)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"server exited with code {server.returncode}")
        try:
            if Client(port, keep_alive=False).request("GET", "/accounts/login/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"server not ready after {limit:.0f} s")


# --------------------------------------------------------------------------------------------
# A real sweep on the same store (--during-sweep)
# --------------------------------------------------------------------------------------------

LSR = [sys.executable, "-c", "from lsr.cli.main import app; app()"]


def lsr_sweep(store: str, areas: str, replications: int, workers: int | None) -> list[str]:
    """The ``lsr sweep`` command line (the shipped winter example) on ``store``."""
    cmd = [*LSR, "sweep", "winter", "--areas", areas, "-n", str(replications), "--db", store]
    return cmd + (["--workers", str(workers)] if workers else [])


class SweepLoop:
    """Keeps a real ``lsr sweep`` running on the store: when one finishes, the next starts."""

    def __init__(self, cmd: list[str]) -> None:
        self.cmd = cmd
        self.stopping = threading.Event()
        self.proc: subprocess.Popen[str] | None = None
        self.completed: list[tuple[float, int]] = []  # (wall seconds, runs stored)
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self.thread.start()
        while self.proc is None:
            time.sleep(0.05)

    def running(self) -> bool:
        proc = self.proc
        return proc is not None and proc.poll() is None

    def _loop(self) -> None:
        while not self.stopping.is_set():
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            out, err = self.proc.communicate()
            if self.stopping.is_set():
                break  # interrupted by stop(): by design it stored nothing
            stored = re.search(r"Results stored \((\d+) runs", out)
            if self.proc.returncode != 0 or not stored:
                self.failures.append(f"exit {self.proc.returncode}: {err.strip()[-300:]}")
                continue
            self.completed.append((time.perf_counter() - started, int(stored.group(1))))

    def stop(self) -> None:
        self.stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.thread.join(60)


def stored_runs(store: str) -> int:
    """Rows of ``flow_runs`` (read-only, briefly; retried for a minute while a process writes).
    Plain DuckDB, so that the benchmark also runs on older ``lsr`` code for comparison."""
    import duckdb

    end = time.monotonic() + 60
    while True:
        try:
            con = duckdb.connect(store, read_only=True)
            break
        except duckdb.IOException:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
    try:
        row = con.execute("SELECT count(*) FROM flow_runs").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def main() -> None:
    from lsr.web.server import default_workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--requests", type=int, default=20, help="requests per client per page and case"
    )
    parser.add_argument(
        "--think-time",
        type=float,
        default=1.0,
        help="mean seconds a user waits between requests in case (a) (default 1)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="gunicorn worker processes (default: CPU cores, as lsr serve)",
    )
    parser.add_argument(
        "--dev", action="store_true", help="Django's development server (lsr serve --dev)"
    )
    parser.add_argument("--db", help="DuckDB store (default: a fresh embedded store)")
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="open a new connection per request (Connection: close) instead of keep-alive",
    )
    parser.add_argument("--cases", default="ab", help="which cases to run: a, b or ab (default ab)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the think times")
    parser.add_argument(
        "--during-sweep",
        action="store_true",
        help="measure while a real `lsr sweep` runs on the same store (one after another)",
    )
    parser.add_argument("--sweep-areas", default="all", help="areas of each sweep (default all)")
    parser.add_argument("--sweep-replications", type=int, default=2)
    parser.add_argument(
        "--sweep-workers", type=int, help="worker processes of each sweep (default: CPU cores)"
    )
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: child server process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 1000:
        parser.error("--clients must be 1-200 and --requests 1-1000")
    if not 0 < args.think_time <= 30 or not 1 <= args.workers <= 64:
        parser.error("--think-time must be in (0, 30] and --workers 1-64")
    if args.serve:
        serve(Path(args.serve), args.db, args.port, args)
        return

    deadline = time.monotonic() + args.max_seconds - 30
    with tempfile.TemporaryDirectory(prefix="lsr-bench-web-") as tmp:
        port = free_port()
        cmd = [sys.executable, __file__, "--serve", tmp, "--port", str(port)]
        cmd += ["--max-seconds", str(args.max_seconds)]
        cmd += ["--dev"] if args.dev else ["--workers", str(args.workers)]
        if args.db:
            cmd += ["--db", args.db]
        started = time.perf_counter()
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_ready(port, server, 300)
            except SystemExit:
                print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            how = (
                "lsr serve --dev: Django's threaded development server, one process"
                if args.dev
                else f"lsr serve --workers {args.workers}: gunicorn, {args.workers} worker "
                "processes x 4 threads"
            )
            print(
                f"Server: pid {server.pid}, http://{HOST}:{port}/ ({how}; fresh SQLite + demo "
                f"seed), ready in {time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs"
            )
            if args.during_sweep:
                during_sweep(port, args, deadline, args.db or str(Path(tmp) / "lsr.duckdb"))
            else:
                bench(port, args, deadline)
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


LABELS = {
    "static": "baseline: static file",
    "login": "baseline: login page",
    "overview": "area overview",
    "actions": "action list",
    "scenarios": "scenario results",
}


def report(title: str, results: dict[str, dict[str, float]], target: bool) -> None:
    print(f"\n{title}")
    header = (
        f"{'page':<30}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}{'errors':>8}"
        f"{'p95/static':>12}{'p95/login':>11}  target p95<200ms"
    )
    print(header)
    print("-" * len(header))
    for page, r in results.items():
        verdict = ""
        if page in ("overview", "actions"):
            verdict = "PASS" if r["p95"] < TARGET_P95_MS else "MISS"
            if not target:
                verdict = f"({verdict}; target is for case a)"
        print(
            f"{LABELS[page]:<30}{r['n']:>6.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
            f"{r['rps']:>8.1f}{r['errors']:>8.0f}"
            f"{r['p95'] / results['static']['p95']:>12.1f}"
            f"{r['p95'] / results['login']['p95']:>11.1f}  {verdict}"
        )


def during_sweep(port: int, args: argparse.Namespace, deadline: float, store: str) -> None:
    """``bench`` while a real ``lsr sweep`` runs on ``store``; then check nothing was lost."""
    seed = subprocess.run(
        lsr_sweep(store, "E10000025", 1, 1), capture_output=True, text=True, check=False
    )
    if seed.returncode != 0:
        raise SystemExit(f"the first sweep (Oxfordshire) failed: {seed.stderr.strip()[-500:]}")
    before = stored_runs(store)
    cmd = lsr_sweep(store, args.sweep_areas, args.sweep_replications, args.sweep_workers)
    print(f"During a sweep: `{' '.join(cmd[3:])}` runs on the same store throughout, one after")
    print("another (a sweep still running at the end is interrupted: by design it stores nothing)")
    loop = SweepLoop(cmd)
    loop.start()
    try:
        bench(port, args, deadline, loop)
    finally:
        loop.stop()
    after = stored_runs(store)
    expected = sum(runs for _wall, runs in loop.completed)
    walls = ", ".join(f"{wall:.0f} s" for wall, _runs in loop.completed) or "none"
    print(
        f"\nSweeps completed during the benchmark: {len(loop.completed)} ({walls}); failed: "
        f"{len(loop.failures)}. Runs stored by them: {after - before} of {expected} "
        f"({'nothing lost' if after - before == expected else 'RUNS MISSING'})."
    )
    for failure in loop.failures:
        print(f"  sweep failed: {failure}")


def bench(
    port: int, args: argparse.Namespace, deadline: float, sweep: SweepLoop | None = None
) -> None:
    keep_alive = not args.new_connections
    clients = [Client(port, keep_alive) for _ in range(args.clients)]
    gate = threading.Semaphore(LOGIN_CONCURRENCY)
    failures: list[str] = []

    def login(i: int, c: Client) -> None:
        with gate:
            try:
                c.login(USERS[i % len(USERS)])
            except (OSError, RuntimeError) as exc:
                failures.append(str(exc))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=login, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} logins failed, e.g. {failures[0]}")
    print(
        f"Logged in {len(clients)} clients in {time.perf_counter() - t0:.1f} s "
        f"(at most {LOGIN_CONCURRENCY} at once; not timed below)"
    )
    # The seeded demo is the only review: home redirects to its overview.
    status, _, headers, _ = clients[0].request("GET", "/")
    match = re.search(r"/reviews/(\d+)/", headers.get("Location", ""))
    if status != 302 or not match:
        raise SystemExit(f"home page: expected a redirect to the review, got HTTP {status}")
    review = int(match.group(1))

    pages = {
        "overview": f"/reviews/{review}/",
        "actions": f"/reviews/{review}/actions/",
        "scenarios": f"/reviews/{review}/scenarios/",
        "static": "/static/lsr/web.css",
        "login": "/accounts/login/",
    }
    measured = ["overview", "actions"] + (["scenarios"] if sweep is not None else [])
    anonymous = [Client(port, keep_alive) for _ in clients]
    cold = Client(port, keep_alive)
    cold.cookies = dict(clients[0].cookies)
    cold.timeout = COLD_TIMEOUT_S
    for page in measured:
        try:
            status, body, _, elapsed = cold.request("GET", pages[page])
        except OSError as exc:
            raise SystemExit(f"{page}: cold first request failed: {exc!r}") from None
        if not check(page, status, body):
            raise SystemExit(f"{page}: unexpected response HTTP {status}")
        print(f"Cold first request, {page}: {elapsed * 1000:,.0f} ms")
    cold.close()
    for c, a in zip(clients, anonymous, strict=True):
        c.timeout = COLD_TIMEOUT_S  # the other worker's first overview may be in here
        for page in measured:
            c.request("GET", pages[page])
        c.timeout = TIMEOUT_S
        if c.conn is not None and c.conn.sock is not None:  # keep the connection (worker)
            c.conn.sock.settimeout(TIMEOUT_S)
        a.request("GET", pages["login"])

    print(
        "Measurement: the target (p95 < 200 ms) is judged on case (a), users with think time; "
        "case (b), no think time, is the measurement this benchmark made before --think-time "
        "existed, kept as a stress case."
    )
    cases = (
        (
            "a",
            args.think_time,
            f"(a) {args.clients} concurrent users: think time 0.5-1.5 x {args.think_time:g} s "
            f"between requests, {args.requests} requests per user per page",
        ),
        (
            "b",
            0.0,
            f"(b) stress: {args.clients} clients, NO think time (each sends its next request "
            f"as soon as the last is answered), {args.requests} requests per client per page",
        ),
    )
    for case, think, title in cases:
        if case not in args.cases:
            continue
        results = {}
        for page in ("static", "login", *measured):
            who = anonymous if page in ("static", "login") else clients
            results[page] = run_phase(
                who, page, pages[page], args.requests, deadline, think, args.seed,
                sweep.running if sweep is not None else None,
            )  # fmt: skip
        how = "new connection per request" if args.new_connections else "keep-alive connections"
        report(f"{title}; {how}, loopback", results, case == "a")
        if sweep is not None:
            during = sum(r["during"] for r in results.values())
            total = sum(r["n"] for r in results.values())
            print(f"Requests answered while a sweep was running: {during:.0f} of {total:.0f}")


if __name__ == "__main__":
    main()
