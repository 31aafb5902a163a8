"""Benchmark: the web application under 50 concurrent logged-in clients, on loopback.

A server process is started the way ``lsr serve`` runs the app (Django's threaded WSGI server,
``django.core.servers.basehttp.ThreadedWSGIServer``, static files served by it, no reloader,
request logging off) on 127.0.0.1 and a free port, with a fresh temporary SQLite database
migrated and seeded with the Oxfordshire demo (``lsr.web.plan.demo.seed_demo``) and, unless
``--db`` is given, a fresh embedded DuckDB store built in the same temporary folder. The listen
backlog is raised to 128 so that 50 clients connecting at once are not refused.

This process then logs ``--clients`` clients in (demo users in turn; http.client with their own
cookies and CSRF token, at most 4 logins at once because each Argon2 check uses ~100 MB), and:

1. times the **cold** first request of the area overview (the indicator profile is computed
   once per process and cached) and of the action list, one client alone;
2. warms up: every client requests each page once (not timed);
3. for each page in turn, all clients start together and each requests it ``--requests`` times,
   one after another (a new connection per request): the area overview, the action list, and the
   **baselines** under the same load from the same server: a static file (``lsr/web.css``) and
   the login page (anonymous).

Printed per page: p50, p95 and max latency (ms), throughput (requests/s over the phase), errors,
p95 against the target (p95 < 200 ms) and the ratio page p95 / baseline p95.

Bounded: ``--clients`` x ``--requests`` per page, a 30 s timeout per request and an overall
``--max-seconds`` after which clients stop and the server process exits by itself. Loopback only.

Run: .venv/bin/python bench/bench_web.py [--clients 50] [--requests 20] [--db STORE]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
TARGET_P95_MS = 200.0
TIMEOUT_S = 30.0
LOGIN_CONCURRENCY = 4
USERS = ("viewer", "lead", "partner", "partner2", "reviewer", "admin")


# --------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------


def serve(data_dir: Path, db: str | None, max_seconds: float) -> None:
    """Child process: migrate, seed, serve on a free loopback port; print ``READY port id``."""
    os.environ["LSR_WEB_DATA_DIR"] = str(data_dir)
    os.environ["LSR_WEB_SECURE_COOKIES"] = "0"  # plain HTTP on loopback, as `lsr serve` does
    os.environ["DJANGO_SETTINGS_MODULE"] = "lsr.web.settings"
    if db:
        os.environ["LSR_DB"] = db
    else:
        from lsr.data.default import ensure_default_store

        store = data_dir / "lsr.duckdb"
        ensure_default_store(store)
        os.environ["LSR_DB"] = str(store)

    import django

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.core.servers.basehttp import (
        ThreadedWSGIServer,
        WSGIRequestHandler,
        get_internal_wsgi_application,
    )

    from lsr.web.plan.demo import seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    review = seed_demo()

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadedWSGIServer):
        request_queue_size = 128

    server = Server((HOST, 0), Quiet, ipv6=False)
    server.set_app(StaticFilesHandler(get_internal_wsgi_application()))
    # Stop by itself even if the parent never says so.
    threading.Timer(max_seconds, lambda: os._exit(0)).start()
    print(f"READY {server.server_address[1]} {review.pk}", flush=True)
    server.serve_forever()


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


class Client:
    """One browser-like client: its own cookies, one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, str, dict[str, str], float]:
        headers = {"Host": f"{HOST}:{self.port}", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT_S)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - started
            for value in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, data.decode("utf-8", "replace"), dict(response.headers), elapsed
        finally:
            conn.close()

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
    if page == "actions":
        return "<table" in body
    if page == "login":
        return "csrfmiddlewaretoken" in body
    return len(body) > 100


def run_phase(
    clients: list[Client], page: str, path: str, requests: int, deadline: float
) -> dict[str, float]:
    """All clients start together; each requests ``path`` ``requests`` times in turn."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)

    def work(c: Client) -> None:
        mine: list[float] = []
        bad = 0
        barrier.wait()
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            try:
                status, body, _, elapsed = c.request("GET", path)
            except OSError:
                bad += 1
                continue
            mine.append(elapsed)
            bad += not check(page, status, body)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client per page")
    parser.add_argument("--db", help="DuckDB store (default: a fresh embedded store)")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: child server process
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 1000:
        parser.error("--clients must be 1-200 and --requests 1-1000")
    if args.serve:
        serve(Path(args.serve), args.db, args.max_seconds)
        return

    deadline = time.monotonic() + args.max_seconds - 30
    with tempfile.TemporaryDirectory(prefix="lsr-bench-web-") as tmp:
        cmd = [sys.executable, __file__, "--serve", tmp, "--max-seconds", str(args.max_seconds)]
        if args.db:
            cmd += ["--db", args.db]
        started = time.perf_counter()
        server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline() if server.stdout else ""
            if not line.startswith("READY"):
                raise SystemExit(f"server did not start: {line!r}")
            _, port_text, review_text = line.split()
            port, review = int(port_text), int(review_text)
            print(
                f"Server: pid {server.pid}, http://{HOST}:{port}/ (threaded WSGI, fresh SQLite + "
                f"demo seed), ready in {time.perf_counter() - started:.1f} s"
            )
            bench(port, review, args, deadline)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def bench(port: int, review: int, args: argparse.Namespace, deadline: float) -> None:
    clients = [Client(port) for _ in range(args.clients)]
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

    pages = {
        "overview": f"/reviews/{review}/",
        "actions": f"/reviews/{review}/actions/",
        "static": "/static/lsr/web.css",
        "login": "/accounts/login/",
    }
    anonymous = [Client(port) for _ in clients]
    for page in ("overview", "actions"):
        status, body, _, elapsed = clients[0].request("GET", pages[page])
        if not check(page, status, body):
            raise SystemExit(f"{page}: unexpected response HTTP {status}")
        print(f"Cold first request, {page}: {elapsed * 1000:,.0f} ms")
    for c, a in zip(clients, anonymous, strict=True):
        for page in ("overview", "actions"):
            c.request("GET", pages[page])
        a.request("GET", pages["login"])

    results = {}
    for page in ("static", "login", "overview", "actions"):
        who = anonymous if page in ("static", "login") else clients
        results[page] = run_phase(who, page, pages[page], args.requests, deadline)

    print(
        f"\n{args.clients} concurrent clients x {args.requests} requests per page "
        f"(new connection per request), loopback"
    )
    header = (
        f"{'page':<30}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}{'errors':>8}"
        f"{'p95/static':>12}{'p95/login':>11}  target p95<200ms"
    )
    print(header)
    print("-" * len(header))
    labels = {
        "static": "baseline: static file",
        "login": "baseline: login page",
        "overview": "area overview",
        "actions": "action list",
    }
    for page, r in results.items():
        verdict = ""
        if page in ("overview", "actions"):
            verdict = "PASS" if r["p95"] < TARGET_P95_MS else "MISS"
        print(
            f"{labels[page]:<30}{r['n']:>6.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
            f"{r['rps']:>8.1f}{r['errors']:>8.0f}"
            f"{r['p95'] / results['static']['p95']:>12.1f}"
            f"{r['p95'] / results['login']['p95']:>11.1f}  {verdict}"
        )


if __name__ == "__main__":
    main()
