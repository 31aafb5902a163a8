"""The winter dashboard through the Django test client (SQLite, or PostgreSQL with
``LSR_WEB_DATABASE_URL``): the roles matrix of every new route, audit rows for saves and
uploads, inert export cells, every lever and scenario field attacked (form errors, never a
500), uploads refused before reading, and the page's data tables."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lsr.web.plan.models import AuditEvent, Profile, Review, Role
from lsr.web.plan.models_winter import WinterScenario

pytestmark = pytest.mark.django_db

DEMO_AREA = "E10000025"
EDITORS = ("admin", "reviewer", "lead", "member_admin")
READERS = ("partner", "partner2", "viewer")


@pytest.fixture(scope="module")
def winter_store_path(tmp_path_factory: pytest.TempPathFactory, default_store_path: Path) -> Path:
    """A copy of the default store with a synthetic winter for the demo area, ending today."""
    from lsr.data.store import connect
    from lsr.data.synthetic_daily import load_synthetic_daily

    path = tmp_path_factory.mktemp("winter") / "lsr.duckdb"
    shutil.copy(default_store_path, path)
    con = connect(path)
    try:
        assert load_synthetic_daily(con, DEMO_AREA) > 100
    finally:
        con.close()
    return path


@pytest.fixture()
def winter_db(settings: Any, winter_store_path: Path, tmp_path: Path) -> Path:
    """This test's own copy of the winter store (uploads change it), set as ``LSR_DB``."""
    from lsr.web.plan import winter

    path = tmp_path / "lsr.duckdb"
    shutil.copy(winter_store_path, path)
    settings.LSR_DB = str(path)
    winter.clear_cache()
    return path


@pytest.fixture()
def review(winter_db: Path, demo: Review) -> Review:
    return demo


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture()
def users(review: Review) -> dict[str, Client]:
    """A client per kind of user: the demo roles, an administrator by role who is a member,
    outsiders (a lead and a viewer of no review), a user without a profile, anonymous."""
    model = get_user_model()
    for name, role, member in (
        ("member_admin", Role.ADMINISTRATOR, True),
        ("outside_lead", Role.SYSTEM_LEAD, False),
        ("outside_viewer", Role.VIEWER, False),
    ):
        user = model.objects.create_user(username=name, password="x")
        profile = Profile.objects.create(user=user, role=role)
        if member:
            profile.reviews.add(review)
    model.objects.create_user(username="no_profile", password="x")
    names = (*EDITORS, *READERS, "outside_lead", "outside_viewer", "no_profile")
    clients = {name: _client(name) for name in names}
    clients["anonymous"] = Client()
    return clients


def _first_day() -> date:
    return date.today() + timedelta(days=1)


def test_dashboard_shows_state_charts_tables_and_synthetic_label(
    review: Review, users: dict[str, Client]
) -> None:
    response = users["viewer"].get(reverse("winter", args=[review.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "winter dashboard" in html and "Synthetic data" in html
    assert html.count('role="img"') >= 5  # 3 control charts + 2 forecast charts
    assert html.count("<table") >= 6  # state + 3 + 2 data tables (+ scenarios when any)
    assert "Figure 4: forecast acute bed occupancy" in html
    assert "Days forecast above 92% and 100% occupancy" in html
    assert "SYNTHETIC DATA" in html
    assert "Save these levers" not in html  # a viewer may not save
    assert 'aria-live="polite"' in html


def test_levers_run_without_javascript_and_as_json(
    review: Review, users: dict[str, Client]
) -> None:
    query = {"extra_home_care": "60", "surge_percent": "5", "surge_weeks": "3"}
    html = users["lead"].get(reverse("winter", args=[review.pk]), query).content.decode()
    assert "Effect of the levers" in html and "With levers" in html
    assert 'value="60"' in html  # the save form carries the levers run
    response = users["viewer"].get(reverse("winter_update", args=[review.pk]), query)
    assert response.status_code == 200
    body = response.json()
    assert "Effect of the levers" in body["forecast_html"]
    assert float(body["seconds"]) > 0
    base = users["viewer"].get(reverse("winter_update", args=[review.pk])).json()
    assert "Effect of the levers" not in base["forecast_html"]
    assert base["revision"] == body["revision"] != "0"


BAD_LEVERS: list[tuple[str, str]] = (
    [
        (field, value)
        for field in ("extra_home_care", "extra_step_down", "extra_assessors", "surge_weeks")
        for value in ("abc", "-1", "99999999", "1.5", "1e309", "\x1b[31m", "x" * 5000)
    ]
    + [
        ("surge_percent", value)
        for value in ("abc", "-5", "101", "NaN", "Infinity", "1e309", "12.345", "\x00")
    ]
    + [
        (field, value)
        for field in (
            "extra_home_care_from",
            "extra_step_down_from",
            "surge_from",
            "extra_assessors_from",
        )
        for value in ("2026-13-01", "yesterday", "1900-01-01", "9999-12-31", "\u202e", "x" * 5000)
    ]
)


@pytest.mark.parametrize(("field", "value"), BAD_LEVERS)
def test_bad_lever_values_are_form_errors_not_server_errors(
    review: Review, users: dict[str, Client], field: str, value: str
) -> None:
    client = users["viewer"]
    page = client.get(reverse("winter", args=[review.pk]), {field: value})
    assert page.status_code == 400
    assert "The levers have a problem" in page.content.decode()
    api = client.get(reverse("winter_update", args=[review.pk]), {field: value})
    assert api.status_code == 400 and field in api.json()["errors"]


def test_lever_dates_outside_the_forecast_are_refused(
    review: Review, users: dict[str, Client]
) -> None:
    client = users["viewer"]
    last = date.today() + timedelta(days=42)
    for when in (date.today(), last + timedelta(days=1)):
        api = client.get(
            reverse("winter_update", args=[review.pk]),
            {"extra_home_care": "5", "extra_home_care_from": when.isoformat()},
        )
        assert api.status_code == 400, when
    # Inside the window: accepted (the model runs).
    ok = client.get(
        reverse("winter_update", args=[review.pk]),
        {"extra_step_down": "5", "extra_step_down_from": last.isoformat()},
    )
    assert ok.status_code == 200


def _save(client: Client, review: Review, name: str, **levers: str) -> Any:
    data = {"name": name, **levers}
    return client.post(reverse("winter_scenario_save", args=[review.pk]), data)


ROUTES_READ = ("winter", "winter_update", "winter_revision")


@pytest.mark.parametrize(
    "who", [*EDITORS, *READERS, "outside_lead", "outside_viewer", "no_profile", "anonymous"]
)
def test_roles_matrix_of_every_route(review: Review, users: dict[str, Client], who: str) -> None:
    client = users[who]
    member = who in EDITORS or who in READERS or who in ("admin", "reviewer")
    reads = who in (*EDITORS, *READERS)
    editor = who in EDITORS
    for name in ROUTES_READ:
        response = client.get(reverse(name, args=[review.pk]))
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == (200 if reads else 403), (name, who)
    # The upload page and saving a scenario: editors only.
    upload = client.get(reverse("winter_upload", args=[review.pk]))
    saved = _save(client, review, f"by {who}", extra_home_care="10")
    if who == "anonymous":
        assert upload.status_code == 302 and saved.status_code == 302
        assert "/accounts/login/" in saved["Location"]
    else:
        assert upload.status_code == (200 if editor else 403), who
        assert saved.status_code == (302 if editor else 403), who
    assert WinterScenario.objects.filter(name=f"by {who}").exists() == editor
    # Exports of a saved scenario: everyone who may read the review.
    scenario = WinterScenario.objects.create(review=review, name=f"s-{who}", extra_step_down=3)
    for fmt in ("json", "csv"):
        response = client.get(reverse("winter_scenario_export", args=[review.pk, scenario.pk, fmt]))
        if who == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == (200 if reads else 403), (fmt, who)
    assert member or not reads


def test_scenario_of_another_review_is_not_found(review: Review, users: dict[str, Client]) -> None:
    other = Review.objects.create(
        area_code="E10000002",
        area_name="Buckinghamshire",
        review_start=date(2018, 1, 1),
        review_end=date(2018, 1, 5),
    )
    theirs = WinterScenario.objects.create(review=other, name="theirs")
    client = users["admin"]  # sees every review: the scenario id must still match the review
    response = client.get(reverse("winter_scenario_export", args=[review.pk, theirs.pk, "json"]))
    assert response.status_code == 404
    assert (
        client.get(reverse("winter_scenario_export", args=[review.pk, 99999, "csv"])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("winter_scenario_export", args=[review.pk, theirs.pk, "exe"])
        ).status_code
        == 404
    )
    # A lead of this review cannot read the other review's dashboard.
    assert users["lead"].get(reverse("winter", args=[other.pk])).status_code == 403


def test_saving_is_audited_and_bad_names_are_form_errors(
    review: Review, users: dict[str, Client]
) -> None:
    client = users["lead"]
    response = _save(
        client,
        review,
        "Extra packages",
        extra_home_care="40",
        extra_home_care_from=_first_day().isoformat(),
    )
    assert response.status_code == 302
    scenario = WinterScenario.objects.get(review=review, name="Extra packages")
    assert scenario.extra_home_care == 40 and scenario.extra_home_care_from == _first_day()
    event = AuditEvent.objects.get(model="WinterScenario", object_id=str(scenario.pk))
    assert event.kind == AuditEvent.Kind.CREATE and event.review_id == review.pk
    assert event.actor_username == "lead" and event.after["extra_home_care"] == 40
    count = WinterScenario.objects.count()
    for name in (
        "",
        "   ",
        "x" * 121,
        "bad\x1bname",
        "tab\tname",
        "line\nbreak",
        "Extra packages",
        "non\ufffechar",
        "c1\x85control",
    ):
        bad = _save(client, review, name, extra_home_care="1")
        assert bad.status_code == 400, repr(name)
        assert "The scenario was not saved" in bad.content.decode()
    bad = _save(client, review, "ok name", extra_home_care="-4")
    assert bad.status_code == 400
    assert WinterScenario.objects.count() == count


def test_saving_needs_a_csrf_token(review: Review) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="lead"))
    response = _save(client, review, "no token")
    assert response.status_code == 403
    assert not WinterScenario.objects.filter(name="no token").exists()


FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0")


def test_exports_are_inert_in_every_text_cell(review: Review, users: dict[str, Client]) -> None:
    client = users["viewer"]
    for i, name in enumerate(FORMULAS):
        scenario = WinterScenario.objects.create(
            review=review, name=name, extra_home_care=10 + i, surge_percent=5
        )
        response = client.get(
            reverse("winter_scenario_export", args=[review.pk, scenario.pk, "csv"])
        )
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        header, body = rows[0], rows[1:]
        assert header[:4] == ["scenario", "data", "date", "measure"]
        assert len(body) >= 42 * 9
        for row in body:
            for cell in row:  # every text cell: none starts as a formula
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
                if cell.startswith("-"):
                    float(cell)  # a negative number, not text
            assert row[0] == "'" + name
            assert row[1] == "SYNTHETIC"
        measures = {row[3] for row in body}
        assert {"occupancy_pct", "acute_occupied", "mffd"} <= measures
        lever_cols = header.index("extra_home_care")
        assert body[0][lever_cols] == str(10 + i)
        js = client.get(reverse("winter_scenario_export", args=[review.pk, scenario.pk, "json"]))
        data = json.loads(js.content)
        assert data["scenario"] == name and data["levers"]["extra_home_care"] == 10 + i
        assert data["data"] == "SYNTHETIC"


def _daily_csv(path: Path, end: date, admissions: int | None = None) -> Path:
    from lsr.data.synthetic_daily import synthetic_daily

    frame = synthetic_daily(DEMO_AREA, end - timedelta(days=20), end, seed=7)
    if admissions is not None:
        frame["admissions"] = admissions
    frame.to_csv(path, index=False, float_format="%.0f")
    return path


def test_upload_loads_audits_and_changes_the_revision(
    review: Review, users: dict[str, Client], tmp_path: Path
) -> None:
    client = users["reviewer"]
    before = client.get(reverse("winter_revision", args=[review.pk])).json()["revision"]
    path = _daily_csv(tmp_path / "real-daily.csv", date.today())
    with open(path, "rb") as f:
        response = client.post(reverse("winter_upload", args=[review.pk]), {"file": f})
    assert response.status_code == 302, response.content.decode()[:2000]
    after = client.get(reverse("winter_revision", args=[review.pk])).json()["revision"]
    assert after != before
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT, review_id=review.pk).last()
    assert event is not None and "real-daily.csv" in event.detail and "21 row(s)" in event.detail
    html = client.get(reverse("winter", args=[review.pk])).content.decode()
    assert "Synthetic data" not in html  # real rows replaced the area's synthetic ones
    assert "real-daily.csv" in html


def test_upload_errors_are_listed_and_nothing_is_loaded(
    review: Review, users: dict[str, Client], tmp_path: Path
) -> None:
    client = users["lead"]
    before = client.get(reverse("winter_revision", args=[review.pk])).json()["revision"]
    path = _daily_csv(tmp_path / "broken.csv", date.today())
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(DEMO_AREA, "E99999999")
    cells = lines[5].split(",")
    cells[4] = "-3"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with open(path, "rb") as f:
        response = client.post(reverse("winter_upload", args=[review.pk]), {"file": f})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was loaded" in html
    assert "row 6, field &#x27;admissions&#x27;" in html and "negative" in html
    after = client.get(reverse("winter_revision", args=[review.pk])).json()["revision"]
    assert after == before
    for name, content in (("notes.txt", b"hello"), ("empty.csv", b""), ("x.xlsx", b"PK\x03\x04")):
        response = client.post(
            reverse("winter_upload", args=[review.pk]), {"file": io.BytesIO(content) | _named(name)}
        )
        assert response.status_code == 400, name
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).exists()


class _named:
    """``io.BytesIO(b"...") | _named("x.csv")``: a file object with a name for the client."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __ror__(self, buffer: io.BytesIO) -> io.BytesIO:
        buffer.name = self.name
        return buffer


def test_uploads_are_refused_before_reading_when_anonymous_or_too_large(
    review: Review, users: dict[str, Client], settings: Any
) -> None:
    url = reverse("winter_upload", args=[review.pk])
    anonymous = users["anonymous"].post(url, {"file": io.BytesIO(b"a,b\n") | _named("d.csv")})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    big = users["lead"].generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.LSR_UPLOAD_MAX_BYTES + 1),
    )
    assert big.status_code == 413


def test_a_store_without_daily_data_says_so(
    review: Review, users: dict[str, Client], settings: Any, winter_db: Path
) -> None:
    import duckdb

    con = duckdb.connect(str(winter_db))
    con.execute("DROP TABLE daily_situation")
    con.close()
    html = users["viewer"].get(reverse("winter", args=[review.pk])).content.decode()
    assert "No daily situation data" in html
    assert users["viewer"].get(reverse("winter_revision", args=[review.pk])).json() == {
        "revision": "0"
    }


def test_scenario_table_moves_the_data_revision(review: Review) -> None:
    """plan_winterscenario has migration 0006's triggers: insert, update and delete each move
    the revision that cached pages are keyed by."""
    from django.db import connection

    from lsr.web.plan.page_cache import revision

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'plan_winterscenario' AND sql LIKE '%%plan_datarevision%%'"
            )
            assert cursor.fetchone()[0] == 3
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'plan_winterscenario'::regclass "
                "AND tgname IN ('plan_winterscenario_rev', 'plan_winterscenario_rev_truncate')"
            )
            assert cursor.fetchone()[0] == 2
    start = revision()
    scenario = WinterScenario.objects.create(review=review, name="rev")
    after_insert = revision()
    scenario.extra_step_down = 2
    scenario.save()
    after_update = revision()
    scenario.delete()
    assert start < after_insert < after_update < revision()
