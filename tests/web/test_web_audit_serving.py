"""A real ``lsr serve`` (gunicorn, two worker processes) under a flood of anonymous requests
from concurrent clients: the audit trail grows by a bounded number of rows, every refusal is a
log line on the server's standard error, and ``lsr audit verify`` finds the chain intact."""

from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from audit_scratch import Scratch, scratch_fixture  # noqa: F401 - the fixture

SECRET = "s3cret-flood-marker"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rows(scratch: Scratch) -> int:
    result = scratch.verify()
    assert result.returncode == 0, result.stdout + result.stderr
    if "the audit trail is empty" in result.stdout:
        return 0
    match = re.search(r"OK: (\d+) audit rows", result.stdout)
    assert match, result.stdout
    return int(match.group(1))


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _failed_login(base: str) -> int:
    """A browser-like failed login: the form's CSRF cookie and token, a wrong password."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=30) as page:
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read())
    assert token
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": "lead", "password": SECRET}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_anonymous_flood_on_a_real_server(
    scratch: Scratch, tmp_path: Path, default_store_path: Path
) -> None:
    port = _free_port()
    data = Path(scratch.env.get("LSR_WEB_DATA_DIR") or tmp_path / "data")
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    cmd = [sys.executable, "-c", "from lsr.cli.main import app; app()", "serve"]
    cmd += ["--port", str(port), "--data-dir", str(data), "--db", str(default_store_path)]
    cmd += ["--workers", "2", "--threads", "4", "--demo"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=scratch.env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "lsr serve did not answer"
                time.sleep(0.3)
        before = _rows(scratch)

        routes = ["/actions/1/edit/", "/actions/1/evidence/", "/accounts/login/", "/admin/"]
        body = urllib.parse.urlencode({"what": SECRET, "password": SECRET}).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        flood = 800
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(
                pool.map(lambda i: _post(base + routes[i % len(routes)], body, form), range(flood))
            )
            logins = list(pool.map(lambda _: _failed_login(base), range(24)))
        elapsed = time.perf_counter() - started
        # refused, never a 500: bodies before logging in are sent to the login page unread
        # (302, which urllib follows: 200), the login form without its CSRF cookie is refused
        assert set(codes) <= {200, 302, 403} and 403 in set(codes), sorted(set(codes))
        assert all(code < 500 for code in logins), logins

        after = _rows(scratch)  # the chain is intact after concurrent writers
        # one client address: one row per kind at most (refusal, failed login, lockout)
        assert after - before <= 3, (before, after)
        print(
            f"{flood} anonymous POSTs and 24 failed logins in {elapsed:.1f} s: "
            f"{after - before} audit rows"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    text = log_path.read_text(errors="replace")
    refused = [
        json.loads(line[line.index("{") :])
        for line in text.splitlines()
        if '"event": "access_refused"' in line
    ]
    assert len(refused) >= flood
    assert {r["client"] for r in refused} == {"127.0.0.1"} and refused[0]["user"] is None
    assert sum('"event": "login_failed"' in line for line in text.splitlines()) >= 1
    assert SECRET not in text
