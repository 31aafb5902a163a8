"""Real concurrent clients saving the same SOIR answer: ``lsr serve --demo`` (gunicorn, 2
worker processes x 4 threads) on a database of its own (an SQLite file in WAL mode, or a
scratch PostgreSQL database when ``LSR_WEB_DATABASE_URL`` is set), and separate HTTP clients
released together.
Of the saves made from the same version exactly one wins and the others are told of the
conflict (409); of concurrent submits and saves, a submitted answer is never changed after."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_scratch import Scratch, scratch_fixture  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

CLIENTS = 4
ROUNDS = 5


class Session:
    """A logged-in browser-like HTTP client (cookies, CSRF token, no redirects followed)."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.post(
            "/accounts/login/",
            {"username": username, "password": f"{username}-demo-2019"},
            token,
            referer=base + "/accounts/login/",
        )
        assert status == 302

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode())

    def post(
        self, path: str, data: dict[str, Any], token: str, referer: str | None = None
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Referer", referer or self.base + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def token(self, path: str) -> str:
        page = self.get(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _together(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _saves(sessions: list[Session], tokens: list[str], path: str, version: int, tag: str) -> Any:
    return [
        lambda s=s, t=t, i=i: s.post(
            path, {"value": f"{tag} c{i}", "version": version, "intent": "save"}, t
        )
        for i, (s, t) in enumerate(zip(sessions, tokens, strict=True))
    ]


@pytest.fixture()
def served(scratch: Scratch, tmp_path: Path, web_store_path: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    data = Path(scratch.env.get("LSR_WEB_DATA_DIR") or tmp_path / "data")
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    cmd = [sys.executable, "-c", "from lsr.cli.main import app; app()", "serve"]
    cmd += ["--port", str(port), "--data-dir", str(data), "--db", str(web_store_path)]
    cmd += ["--workers", "2", "--threads", "4", "--demo"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=scratch.env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "lsr serve did not answer"
                time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert "Internal Server Error" not in log_path.read_text(errors="replace")


def _state(page: str) -> tuple[str, int]:
    """The answer's status and version, as its page shows them."""
    found = re.search(r"Status: <strong>(\w+)</strong>.*?Version (\d+)\.", page, re.S)
    assert found, page[:2000]
    return found.group(1), int(found.group(2))


def test_concurrent_saves_of_one_version_one_wins(served: str) -> None:
    partner = Session(served, "partner")  # Oxford Health
    listing = partner.get("/reviews/1/soir/")
    soir = re.search(r'href="/soir/(\d+)/"', listing).group(1)
    detail = partner.get(f"/soir/{soir}/")
    org_page = re.search(rf'href="(/soir/{soir}/organisations/\d+/)"', detail).group(1)
    answers = re.findall(r'href="/soir-answers/(\d+)/"', partner.get(org_page))
    # the first answer still in draft, of a free-text question
    path = ""
    for pk in answers:
        page = partner.get(f"/soir-answers/{pk}/")
        if _state(page)[0] == "Draft" and "<textarea" in page:
            path = f"/soir-answers/{pk}/"
            break
    assert path
    sessions = [partner] + [Session(served, "partner") for _ in range(CLIENTS - 1)]
    tokens = [s.token(path) for s in sessions]
    for round_ in range(ROUNDS):
        status, version = _state(partner.get(path))
        results = _together(_saves(sessions, tokens, path, version, f"r{round_}"))
        statuses = sorted(code for code, _ in results)
        assert statuses == [302] + [409] * (CLIENTS - 1), statuses
        page = partner.get(path)
        assert _state(page) == ("Draft", version + 1)
        winner = next(i for i, (code, _) in enumerate(results) if code == 302)
        assert f"r{round_} c{winner}</textarea>" in page
        for i, (code, body) in enumerate(results):
            if code == 409:  # the loser is told, and its text is kept in the form
                assert "since you opened this page" in body
                assert f"r{round_} c{i}</textarea>" in body
    assert partner.get(path).count("draft saved") == ROUNDS  # one audit row per win
    # Submit and saves together: once submitted, nothing changes it.
    status, version = _state(partner.get(path))
    calls = [
        lambda s=s, t=t, i=i: s.post(
            path,
            {"value": f"final {i}", "version": version, "intent": "submit" if i == 0 else "save"},
            t,
        )
        for i, (s, t) in enumerate(zip(sessions, tokens, strict=True))
    ]
    results = _together(calls)
    assert sorted(code for code, _ in results) == [302] + [409] * (CLIENTS - 1)
    page = partner.get(path)
    status, version = _state(page)
    if results[0][0] == 302:
        assert status == "Submitted" and "final 0" in page
        late = sessions[1].post(
            path, {"value": "after", "version": version, "intent": "save"}, tokens[1]
        )
        assert late[0] == 403
        assert "final 0" in partner.get(path)
