"""Security controls at the level of the Django application (the same middleware stack that
``lsr serve`` runs): login throttling, request body limits, static files and path traversal,
the 500 page with its request id. ``test_web_security_serving.py`` checks the same controls
against real ``lsr serve`` processes (gunicorn workers, the development server)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver

from lsr.web.plan import throttle
from lsr.web.plan.models import Action, AuditEvent, Evidence

from attack_paths import TRAVERSAL

LIMIT = settings.AXES_FAILURE_LIMIT
GOOD = "viewer-demo-2019"


def _login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _lockout_rows() -> int:
    return AuditEvent.objects.filter(kind="lockout", detail__contains="locked out").count()


# --- login throttling -------------------------------------------------------------------------


def test_settings_count_failures_in_the_database() -> None:
    """The store of attempts is shared by every worker process: the database, never a cache."""
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AUTHENTICATION_BACKENDS[0] == "lsr.web.plan.throttle.LoginThrottleBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert not settings.AXES_RESET_ON_SUCCESS
    assert 3 <= LIMIT <= 20


def test_account_is_locked_after_the_limit(demo: Any) -> None:
    client = Client()
    for n in range(1, LIMIT):
        response = _login(client, "viewer", f"wrong-{n}")
        assert response.status_code == 200, n
        assert b"not recognised" in response.content
    # the failure that reaches the limit gets the lockout page, and one audit row
    response = _login(client, "viewer", "wrong-last")
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert b"ask an administrator" in response.content
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert _lockout_rows() == 1
    audit_rows = AuditEvent.objects.count()
    counted = AccessAttempt.objects.get(username="viewer").failures_since_start
    assert counted == LIMIT
    # now even the right password is refused, without a password check (nothing counted) or
    # an audit row
    for _ in range(5):
        response = _login(client, "viewer", GOOD)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.count() == audit_rows
    assert AccessAttempt.objects.get(username="viewer").failures_since_start == LIMIT
    assert not AuditEvent.objects.filter(kind="login", actor_username="viewer").exists()
    # another account, from another address, is not affected
    assert _login(Client(REMOTE_ADDR="10.9.9.9"), "lead", "lead-demo-2019").status_code == 302


def test_account_lock_holds_from_every_address(demo: Any) -> None:
    """Per account: failures from many addresses add up (a distributed guess)."""
    for n in range(LIMIT):
        _login(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), "viewer", f"wrong-{n}")
    assert _login(Client(REMOTE_ADDR="10.0.1.1"), "viewer", GOOD).status_code == 429
    # each of those addresses can still log in to another account
    assert _login(Client(REMOTE_ADDR="10.0.0.1"), "lead", "lead-demo-2019").status_code == 302


def test_address_is_locked_across_accounts(demo: Any) -> None:
    """Per client address: one address trying many accounts is stopped (password spraying),
    whatever it claims in X-Forwarded-For (not trusted by default)."""
    for n in range(LIMIT):
        response = _login(
            Client(REMOTE_ADDR="10.5.5.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"),
            f"nobody{n}",
            "wrong",
        )
    assert response.status_code == 429
    locked = Client(REMOTE_ADDR="10.5.5.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert _login(locked, "viewer", GOOD).status_code == 429
    assert _login(Client(REMOTE_ADDR="10.5.5.6"), "viewer", GOOD).status_code == 302


def test_username_variants_count_as_one_account(demo: Any) -> None:
    """The form cleans the username (spaces, Unicode compatibility forms) before the check;
    the count uses the cleaned name, so variants cannot dodge it."""
    variants = ["viewer", " viewer", "viewer ", "ｖｉｅｗｅｒ", "\tviewer"]
    for n in range(LIMIT):
        _login(Client(REMOTE_ADDR=f"10.1.0.{n}"), variants[n % len(variants)], "wrong")
    assert _login(Client(REMOTE_ADDR="10.1.1.1"), " ｖｉｅｗｅｒ ", GOOD).status_code == 429


@pytest.mark.parametrize(
    "username",
    [
        "u" * 151,
        "u" * 400,
        "nul\x00name",
        "\x00",
        "esc\x1bname",
        "",
        "   ",
        "'; DROP TABLE axes_accessattempt; --",
        "ünï©ødé-ñame",
        "\U0001f600" * 100,
    ],
)
def test_any_username_is_answered_not_500(demo: Any, username: str) -> None:
    """Every kind of username text, sent again and again: a form error or the lockout, never a
    500 (axes stores the name: it must fit its column on PostgreSQL and hold no NUL)."""
    client = Client(REMOTE_ADDR="10.7.7.7")
    statuses = {
        _login(client, username, password).status_code
        for password in ["wrong", "x" * 5000, "nul\x00pass"] * 4
    }
    assert statuses <= {200, 429}, statuses


def test_admin_login_page_is_throttled_too(demo: Any) -> None:
    client = Client()
    for n in range(LIMIT):
        client.post("/admin/login/", {"username": "admin", "password": f"wrong-{n}"})
    response = client.post("/admin/login/", {"username": "admin", "password": "admin-demo-2019"})
    assert response.status_code == 429
    # locked for the application's login page as well: it is one count
    assert _login(Client(REMOTE_ADDR="10.2.2.2"), "admin", "admin-demo-2019").status_code == 429


def test_lockout_ends_after_the_window(demo: Any) -> None:
    for n in range(LIMIT):
        _login(Client(), "viewer", f"wrong-{n}")
    assert _login(Client(), "viewer", GOOD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=5)
    )
    assert _login(Client(), "viewer", GOOD).status_code == 302


def test_unlock_removes_the_count_and_is_audited(demo: Any) -> None:
    for n in range(LIMIT):
        _login(Client(), "viewer", f"wrong-{n}")
    assert [k for k, *_ in throttle.lockouts()] == ["account", "address"]
    assert throttle.unlock(username="lead") == 0
    assert throttle.unlock(username="viewer") == 1
    removed = AuditEvent.objects.get(kind="delete", model="AccessAttempt")
    assert removed.before["username"] == "viewer"
    assert "********" in removed.before["post_data"]  # axes masks the password
    assert "wrong-" not in str(removed.before)
    assert _login(Client(), "viewer", GOOD).status_code == 302


def test_admin_can_unlock_in_the_admin_and_it_is_audited(demo: Any, client_for: Any) -> None:
    for n in range(LIMIT):
        _login(Client(REMOTE_ADDR="10.3.3.3"), "viewer", f"wrong-{n}")
    attempt = AccessAttempt.objects.get(username="viewer")
    admin = client_for("admin")
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and b"viewer" in page.content
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(kind="delete", model="AccessAttempt")
    assert event.actor_username == "admin" and "admin" in event.detail
    assert _login(Client(REMOTE_ADDR="10.3.3.3"), "viewer", GOOD).status_code == 302
    # not for anyone else: a system lead cannot see or delete attempts
    assert client_for("lead").get("/admin/axes/accessattempt/").status_code == 302


def test_failure_rows_never_hold_the_password(demo: Any) -> None:
    _login(Client(), "viewer", "Sup3r-secret-guess")
    attempt = AccessAttempt.objects.get(username="viewer")
    assert "Sup3r-secret-guess" not in attempt.post_data
    assert "Sup3r-secret-guess" not in str(AuditEvent.objects.values_list("detail", flat=True))


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.5", "203.0.113.9", "10.0.0.5"),  # header ignored by default
        (0, "10.0.0.5", None, "10.0.0.5"),
        (1, "10.0.0.5", "203.0.113.9", "203.0.113.9"),  # one proxy: the last entry
        (1, "10.0.0.5", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # left part is the client's
        (2, "10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.9", "203.0.113.9"),
        (2, "10.0.0.5", "203.0.113.9", "10.0.0.5"),  # fewer hops than proxies: not trusted
        (1, "10.0.0.5", "not-an-address", "10.0.0.5"),
        (1, "10.0.0.5", "", "10.0.0.5"),
        (1, "10.0.0.5", "2001:db8::1", "2001:db8::1"),
        (1, "10.0.0.5", " 203.0.113.9 ,", "203.0.113.9"),
        (0, "garbage", None, None),
    ],
)
def test_client_address(
    settings: Any, proxies: int, remote: str, forwarded: str | None, expected: str | None
) -> None:
    settings.LSR_TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert throttle.client_ip(RequestFactory().get("/", **meta)) == expected


def test_behind_a_trusted_proxy_each_client_is_counted_apart(demo: Any, settings: Any) -> None:
    settings.LSR_TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"
    for n in range(LIMIT):
        _login(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5"), f"x{n}", "wrong")
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert _login(attacker, "viewer", GOOD).status_code == 429  # spoofed left part: no escape
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert _login(colleague, "viewer", GOOD).status_code == 302


def test_login_page_tells_a_new_installation_to_create_an_administrator(db: None) -> None:
    assert not get_user_model().objects.exists()
    page = Client().get("/accounts/login/")
    assert page.status_code == 200 and b"lsr createadmin" in page.content


def test_login_page_has_no_first_run_hint_once_users_exist(demo: Any) -> None:
    assert b"lsr createadmin" not in Client().get("/accounts/login/").content


def test_login_without_a_request_is_not_throttled(demo: Any) -> None:
    """The test client's login() and a shell authenticate without a request: allowed."""
    client = Client()
    assert client.login(username="viewer", password=GOOD)


# --- request bodies -----------------------------------------------------------------------------


class CountingInput(io.RawIOBase):
    """A request body of ``size`` bytes that counts what the application reads of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        self.read_bytes += n
        return b"x" * n

    def readline(self, limit: int | None = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 1024)


def _send(
    path: str,
    body: CountingInput,
    *,
    length: str | None,
    content_type: str = "multipart/form-data; boundary=BOUNDARY",
    cookie: str = "",
    **extra: Any,
) -> Any:
    """Send a request through the whole middleware stack with a body we can watch."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        HTTP_COOKIE=cookie,
        **{"wsgi.input": body},
        **extra,
    )
    if length is None:
        environ.pop("CONTENT_LENGTH", None)
    else:
        environ["CONTENT_LENGTH"] = length
    return ClientHandler(enforce_csrf_checks=False)(environ)


def _cookie(client: Client) -> str:
    return f"sessionid={client.cookies['sessionid'].value}"


def _paths(demo: Any) -> list[str]:
    """One concrete path for every URL pattern of the application (admin included)."""
    action = Action.objects.filter(review=demo).first()
    milestone = action.milestones.first()
    values = {
        "review_id": demo.pk,
        "action_id": action.pk,
        "milestone_id": milestone.pk,
        "theme_id": demo.themes.first().pk,
        "area_id": demo.areas.first().pk,
        "evidence_id": 1,
        "report_id": 1,
        "fmt": "pdf",
        "run_id": "run",
    }
    paths: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if "admin" in route and route.count("/") > 3:
                    continue  # one level of the admin is enough
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                if "^" in route or "(?P" in route:
                    continue  # the admin's regular expressions (catch-all, model pages)
                for name, value in values.items():
                    for conv in ("int", "str", "path"):
                        route = route.replace(f"<{conv}:{name}>", str(value))
                    route = route.replace(f"<{name}>", str(value))
                if "<" not in route:
                    paths.append("/" + route)

    walk(get_resolver().url_patterns, "")
    paths += ["/admin/plan/review/add/", "/admin/auth/user/add/", "/no/such/page/"]
    return sorted(set(paths))


def test_every_route_is_enumerated(demo: Any) -> None:
    paths = _paths(demo)
    for expected in (
        "/accounts/login/",
        f"/reviews/{demo.pk}/actions/import/",
        f"/actions/{Action.objects.filter(review=demo).first().pk}/evidence/",
        "/admin/login/",
    ):
        assert expected in paths
    assert len(paths) > 25


def test_anonymous_bodies_are_refused_unread_everywhere(demo: Any) -> None:
    """Not logged in: every path but the login pages refuses a body (any size, any type)
    without reading a byte of it."""
    for path in _paths(demo):
        if path in ("/accounts/login/", "/admin/login/"):
            continue
        for size, content_type in (
            (200 * 1024 * 1024, "multipart/form-data; boundary=B"),
            (5 * 1024 * 1024, "multipart/form-data; boundary=B"),
            (1000, "application/x-www-form-urlencoded"),
        ):
            body = CountingInput(size)
            response = _send(path, body, length=str(size), content_type=content_type)
            assert response.status_code in (302, 413), (path, response.status_code)
            assert body.read_bytes == 0, (path, size)
            if size < settings.LSR_UPLOAD_MAX_BYTES:
                assert "/accounts/login/" in response["Location"]


def test_login_page_takes_only_a_small_anonymous_body(demo: Any) -> None:
    for path in ("/accounts/login/", "/admin/login/"):
        body = CountingInput(settings.LSR_ANONYMOUS_MAX_BYTES + 1)
        response = _send(path, body, length=str(body.size), content_type="text/plain")
        assert response.status_code == 413 and body.read_bytes == 0


@pytest.mark.parametrize("username", ["partner", "lead", "admin"])
def test_oversize_uploads_are_refused_unread_on_every_upload_route(
    demo: Any, client_for: Any, username: str
) -> None:
    action = Action.objects.filter(review=demo, owner_organisation__short_name="OH").first()
    cookie = _cookie(client_for(username))
    for path in (f"/actions/{action.pk}/evidence/", f"/reviews/{demo.pk}/actions/import/"):
        for size in (settings.LSR_UPLOAD_MAX_BYTES + 1, 200 * 1024 * 1024):
            body = CountingInput(size)
            response = _send(path, body, length=str(size), cookie=cookie)
            assert response.status_code == 413, (path, size)
            assert body.read_bytes == 0
            assert b"Too large" in response.content and b"Nothing was saved" in response.content
            assert response["X-Content-Type-Options"] == "nosniff"
    assert not Evidence.objects.exists()


def test_at_the_limit_the_body_is_read(demo: Any, client_for: Any) -> None:
    """The limit is not an off-by-one: a body of exactly the limit goes on to the view."""
    action = Action.objects.filter(review=demo).first()
    body = CountingInput(settings.LSR_UPLOAD_MAX_BYTES)
    response = _send(
        f"/actions/{action.pk}/evidence/",
        body,
        length=str(body.size),
        cookie=_cookie(client_for("admin")),
    )
    assert response.status_code != 413
    assert body.read_bytes > 0


def test_form_bodies_have_a_smaller_limit(demo: Any, client_for: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    body = CountingInput(settings.LSR_FORM_MAX_BYTES + 1)
    response = _send(
        f"/actions/{action.pk}/edit/",
        body,
        length=str(body.size),
        content_type="application/x-www-form-urlencoded",
        cookie=_cookie(client_for("admin")),
    )
    assert response.status_code == 413 and body.read_bytes == 0


@pytest.mark.parametrize("length", ["abc", "-1", "1e9", "0x10", " 12 34", "１２"])
def test_a_malformed_length_is_refused(demo: Any, client_for: Any, length: str) -> None:
    body = CountingInput(100)
    response = _send("/", body, length=length, cookie=_cookie(client_for("admin")))
    assert response.status_code == 400 and body.read_bytes == 0


def test_chunked_body_is_cut_off_at_the_limit(demo: Any, client_for: Any) -> None:
    """No Content-Length: read up to the limit, refused there (not read to the end)."""
    action = Action.objects.filter(review=demo).first()
    body = CountingInput(200 * 1024 * 1024)
    response = _send(
        f"/actions/{action.pk}/evidence/",
        body,
        length=None,
        cookie=_cookie(client_for("admin")),
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert body.read_bytes == settings.LSR_UPLOAD_MAX_BYTES + 1


def test_chunked_body_within_the_limit_is_handed_to_the_view(
    demo: Any, client_for: Any, tmp_path: Any
) -> None:
    """A real upload sent without a length is read (up to the limit) and saved as evidence."""
    action = Action.objects.filter(review=demo).first()
    boundary = "lsrboundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="note"\r\n\r\n'
        "Chunked minutes\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="minutes.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
        "Minutes of the board meeting.\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    environ = RequestFactory()._base_environ(
        PATH_INFO=f"/actions/{action.pk}/evidence/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE=f"multipart/form-data; boundary={boundary}",
        HTTP_COOKIE=_cookie(client_for("admin")),
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True},
    )
    environ.pop("CONTENT_LENGTH", None)
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    assert response.status_code == 302, response.content[:500]
    evidence = Evidence.objects.get(action=action)
    assert evidence.note == "Chunked minutes"
    assert evidence.file.read() == b"Minutes of the board meeting.\n"


def test_chunked_body_of_anonymous_is_not_read(demo: Any) -> None:
    body = CountingInput(200 * 1024 * 1024)
    response = _send(
        f"/reviews/{demo.pk}/actions/import/",
        body,
        length=None,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert response.status_code == 302 and body.read_bytes == 0


def test_chunked_body_without_a_terminated_input_needs_a_length(demo: Any, client_for: Any) -> None:
    body = CountingInput(1000)
    response = _send(
        "/",
        body,
        length=None,
        cookie=_cookie(client_for("admin")),
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411 and body.read_bytes == 0


# --- static files and path traversal ------------------------------------------------------------

SECURITY_HEADERS = ("X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options")


def test_static_file_has_security_headers(db: None) -> None:
    response = Client().get("/static/lsr/web.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]


@pytest.mark.parametrize("path", TRAVERSAL)
def test_path_traversal_is_404(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 404, path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"SECRET_KEY" not in body and b"root:" not in body
    for header in SECURITY_HEADERS:
        assert response.has_header(header), header


# --- 500: logged with a request id that the page shows -------------------------------------------


def test_500_page_shows_the_request_id_the_log_line_carries(
    client_for: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lsr.web.logs import ErrorLineFormatter
    from lsr.web.plan import permissions

    def broken(user: Any) -> Any:
        raise RuntimeError("the reviews table is on fire")

    monkeypatch.setattr(permissions, "visible_reviews", broken)
    client = client_for("viewer")
    client.raise_request_exception = False
    # django.request does not propagate to the root logger (where caplog listens): listen on it,
    # after the application's own handler, whose filter adds the request id to the record.
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    try:
        response = client.post("/?q=1", {"password": "Body-Secret-123", "note": "private"})
    finally:
        logger.removeHandler(caplog.handler)
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert request_id.encode() in response.content
    assert b"Something went wrong" in response.content and b"on fire" not in response.content
    assert response["Content-Security-Policy"]
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].request_id == request_id
    formatter = ErrorLineFormatter(settings.LOGGING["formatters"]["line"]["format"])
    text = formatter.format(records[0])
    line, _, traceback = text.partition("\n")
    assert f"request_id={request_id}" in line
    assert "Internal Server Error: /" in line and "method=POST" in line and "status=500" in line
    assert "exception=RuntimeError: the reviews table is on fire" in line
    assert "Traceback" in traceback
    assert "Body-Secret-123" not in text and "private" not in text and "q=1" not in text


@pytest.mark.parametrize("path", ["/no/such/page/", "/reviews/999999/"])
def test_a_404_page_that_cannot_render_is_a_logged_500(
    client_for: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """The 404 (and 403) page uses the user's context (the database): when that fails, the
    answer is the 500 page and the log names the exception (Django alone would log none)."""
    from lsr.web.plan import context

    client = client_for("viewer")
    client.raise_request_exception = False

    def broken(request: Any) -> Any:
        raise RuntimeError("context gone")

    monkeypatch.setattr(context.permissions, "role_of", broken)
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    try:
        response = client.get(path)
    finally:
        logger.removeHandler(caplog.handler)
    assert response.status_code == 500
    assert response["X-Request-ID"].encode() in response.content
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].exc_info[1].args == ("context gone",)
    assert records[0].request_id == response["X-Request-ID"]


def test_a_refused_request_is_one_log_line(db: None, caplog: pytest.LogCaptureFixture) -> None:
    """A bad Host header (logged by django.security with its exception): one line, no
    traceback, so that a flood of such requests cannot fill the log with tracebacks."""
    from lsr.web.logs import ErrorLineFormatter

    logger = logging.getLogger("django.security")
    logger.addHandler(caplog.handler)
    try:
        response = Client(HTTP_HOST="evil.example").get("/accounts/login/")
    finally:
        logger.removeHandler(caplog.handler)
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name.startswith("django.security")]
    assert len(records) == 1 and records[0].exc_info
    formatter = ErrorLineFormatter(settings.LOGGING["formatters"]["line"]["format"])
    text = formatter.format(records[0])
    assert "\n" not in text
    assert "status=400" in text and "exception=DisallowedHost" in text
    assert f"request_id={response['X-Request-ID']}" in text


def test_500_page_needs_no_database() -> None:
    """The page renders without the request's context processors (a broken database)."""
    from lsr.web.plan.views_errors import server_error

    request = RequestFactory().get("/")
    request.id = "abc123"
    response = server_error(request)
    assert response.status_code == 500 and b"abc123" in response.content
