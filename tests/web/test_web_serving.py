"""Serving: the session idle timeout without a write per request, the Python-rendered select
widget, the query savings on the two benchmarked pages, and ``lsr serve`` under gunicorn."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lsr.web import server
from lsr.web.plan import middleware
from lsr.web.plan.forms import BoardFilterForm, Select
from lsr.web.plan.models import Organisation


def _login(username: str = "viewer") -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": f"{username}-demo-2019"}
    )
    assert response.status_code == 302
    return client


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_session_is_not_written_on_every_request(demo: Any) -> None:
    client = _login()
    before = _session(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/reviews/{demo.pk}/actions/").status_code == 200
    assert not any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries)
    assert _session(client).expire_date == before


def test_session_expiry_is_refreshed_after_a_minute(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _login()
    before = _session(client).expire_date
    real = time.time
    monkeypatch.setattr(middleware.time, "time", lambda: real() + 59)
    client.get(f"/reviews/{demo.pk}/")
    assert _session(client).expire_date == before  # not yet a minute
    monkeypatch.setattr(middleware.time, "time", lambda: real() + 61)
    time.sleep(0.01)
    assert client.get(f"/reviews/{demo.pk}/").status_code == 200
    after = _session(client).expire_date
    assert after > before
    # the refresh sets the expiry to now + 30 minutes, never beyond
    assert abs((after - timezone.now()).total_seconds() - 1800) < 5


def test_idle_session_ends_after_30_minutes(demo: Any) -> None:
    client = _login()
    assert client.get(f"/reviews/{demo.pk}/").status_code == 200
    # 30 minutes without a request: the stored expiry has passed.
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(f"/reviews/{demo.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logout_still_ends_the_session(demo: Any) -> None:
    client = _login()
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(f"/reviews/{demo.pk}/").status_code == 302


def _squash(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_select_widget_matches_django_rendering(demo: Any) -> None:
    Organisation.objects.create(name="Tricky <b>\"&' org", short_name="<x>")
    form = BoardFilterForm({"status": "on_track"}, review=demo)
    for name in ("theme", "organisation", "status"):
        widget = form.fields[name].widget
        assert isinstance(widget, Select)
        value = form[name].value()
        attrs = {"id": f"id_{name}"}
        fast = widget.render(name, value, attrs)
        slow = forms.Select.render(widget, name, value, attrs)
        assert fast == _squash(slow)
    assert "&lt;b&gt;&quot;&amp;&#x27; org" in str(form["organisation"])
    assert '<option value="on_track" selected>On track</option>' in str(form["status"])


def test_select_widget_optgroups() -> None:
    widget = Select(choices=[("Group <1>", [("a", "A & B")]), ("c", "C")])
    assert widget.render("x", "a") == _squash(forms.Select.render(widget, "x", "a"))


def test_board_and_overview_queries(client_for: Any, demo: Any) -> None:
    client = client_for("partner")
    for path, limit in ((f"/reviews/{demo.pk}/actions/", 8), (f"/reviews/{demo.pk}/", 6)):
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) <= limit, [q["sql"] for q in queries]


def test_gunicorn_options() -> None:
    options = server.gunicorn_options("127.0.0.1", 8000, 3, 4)
    assert options["worker_class"] == "gthread" and options["workers"] == 3
    assert options["bind"] == ["127.0.0.1:8000"] and options["preload_app"]
    assert server.gunicorn_options("::1", 8000, 1, 1)["bind"] == ["[::1]:8000"]
    assert server.default_workers() >= 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_lsr_serve_runs_gunicorn_workers(tmp_path: Path, web_store_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSR_", "DJANGO_"))}
    log = (tmp_path / "serve.log").open("wb")
    cmd = [sys.executable, "-c", "from lsr.cli.main import app; app()", "serve"]
    cmd += ["--port", str(port), "--data-dir", str(tmp_path / "data")]
    cmd += ["--db", str(web_store_path), "--workers", "2", "--threads", "2"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as r:
                    assert r.status == 200 and b"csrfmiddlewaretoken" in r.read()
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "lsr serve did not answer"
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/static/lsr/web.css", timeout=5) as r:
            assert r.status == 200 and r.read()
        text = (tmp_path / "serve.log").read_text()
        assert "gunicorn: 2 worker processes x 2 threads" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode == 0
