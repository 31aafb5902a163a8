"""Cached page content (lsr.web.plan.page_cache): every change shows at once, by any path, and
cached content never reaches a user who may not read the review or sees a different page."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.db import connection

from lsr.web.plan import page_cache
from lsr.web.plan.models import Action, Organisation, Review

from action_form import action_form_data

_MIGRATION = importlib.import_module("lsr.web.plan.migrations.0003_data_revision")
#: Later migrations that add tables name them (0006: TABLE, 0007: SOIR_TABLES, 0008:
#: COUNTED_TABLES).
_WINTER = importlib.import_module("lsr.web.plan.migrations.0006_winter_dashboard")
_SOIR = importlib.import_module("lsr.web.plan.migrations.0007_soir_engagement")
_RELAUDIT = importlib.import_module("lsr.web.plan.migrations.0008_relational_audit")
COUNTED = (
    *_MIGRATION.COUNTED_TABLES,
    _WINTER.TABLE,
    *_SOIR.SOIR_TABLES,
    *_RELAUDIT.COUNTED_TABLES,
)

#: Tables whose changes the pages never show (not counted by the data revision).
NOT_COUNTED = {"plan_auditevent", "plan_datarevision"}


def _main(page: str) -> str:
    """The page's ``<main>`` element (the header around it holds a per-request CSRF token)."""
    return page[page.index("<main") : page.index("</main>")]


def _triggers_on(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND sql LIKE '%%plan_datarevision%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND tgname IN (%s, %s)",
                [table, f"{table}_rev", f"{table}_rev_truncate"],
            )
        return int(cursor.fetchone()[0])


def _board(client: Any, review: Review, **query: str) -> str:
    response = client.get(f"/reviews/{review.pk}/actions/", query)
    assert response.status_code == 200
    return str(response.content.decode())


def test_every_plan_table_is_counted_by_the_revision(db: None) -> None:
    """A model added later without the triggers would make its pages stale: fail here."""
    tables = {t for t in connection.introspection.table_names() if t.startswith("plan_")}
    assert tables - NOT_COUNTED == {t for t in COUNTED if t.startswith("plan_")}
    assert "auth_user" in _MIGRATION.COUNTED_TABLES


@pytest.mark.parametrize("table", COUNTED)
def test_any_change_to_a_counted_table_moves_the_revision(table: str, demo: Any) -> None:
    """Database triggers count an UPDATE, however it is made (here raw SQL), once per row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        if cursor.fetchone()[0] == 0:  # nothing to update: the triggers are there
            assert _triggers_on(table) == (3 if connection.vendor == "sqlite" else 2)
            return
        first = connection.introspection.get_table_description(cursor, table)[0].name
        before = page_cache.revision()
        cursor.execute(f"UPDATE {table} SET {first} = {first}")
    after = page_cache.revision()
    assert before is not None and after is not None and after > before


def test_change_shows_at_once_after_the_page_was_cached(demo: Any, client_for: Any) -> None:
    viewer = client_for("viewer")
    action = Action.objects.filter(review=demo).order_by("pk").first()
    assert action is not None
    first = _board(viewer, demo)
    assert _main(_board(viewer, demo)) == _main(first)  # from the cache: the same content
    # through the ORM
    Action.objects.filter(pk=action.pk).update(what="A changed action text")
    assert "A changed action text" in _board(viewer, demo)
    # through raw SQL, which no signal or application code sees
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE plan_organisation SET name = %s WHERE id = %s",
            ["Renamed organisation", action.owner_organisation_id],
        )
    page = _board(viewer, demo)
    assert "Renamed organisation" in page and "A changed action text" in page
    overview = _main(viewer.get(f"/reviews/{demo.pk}/").content.decode())
    assert "0 actions" not in overview
    Action.objects.filter(review=demo).delete()
    assert "0 actions" in _main(viewer.get(f"/reviews/{demo.pk}/").content.decode())
    assert "No actions match these filters." in _board(viewer, demo)


def test_an_edit_through_the_application_shows_on_the_board(demo: Any, client_for: Any) -> None:
    lead, viewer = client_for("lead"), client_for("viewer")
    action = Action.objects.filter(review=demo).order_by("pk").first()
    assert action is not None
    _board(viewer, demo)
    data = action_form_data(action, what="Edited through the form")
    response = lead.post(f"/actions/{action.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Edited through the form" in _board(viewer, demo)


def test_content_differs_by_what_the_user_may_do(demo: Any, client_for: Any) -> None:
    """The lead's cached page (with "Add an action" and import) is not served to a viewer, and
    the viewer's is not served to the lead."""
    lead_page = _board(client_for("lead"), demo)
    viewer_page = _board(client_for("viewer"), demo)
    partner_page = _board(client_for("partner"), demo)
    assert "Add an action" in lead_page and "Import an action plan" in lead_page
    assert "Add an action" not in viewer_page and "Import an action plan" not in viewer_page
    assert "Add an action" in partner_page and "Import an action plan" not in partner_page
    assert "Add an action" in _board(client_for("lead"), demo)


def test_cached_content_is_refused_to_a_user_who_may_not_read_the_review(
    demo: Any, client_for: Any
) -> None:
    from lsr.web.plan.demo import seed_demo

    other = seed_demo(with_users=False)  # the demo users other than admin/reviewer: not members
    admin = client_for("admin")
    assert admin.get(f"/reviews/{other.pk}/").status_code == 200
    assert admin.get(f"/reviews/{other.pk}/actions/").status_code == 200
    for username in ("lead", "partner", "viewer"):
        client = client_for(username)
        assert client.get(f"/reviews/{other.pk}/").status_code == 403
        assert client.get(f"/reviews/{other.pk}/actions/").status_code == 403
    assert client_for("viewer").get("/reviews/999999/actions/").status_code == 404


def test_filters_and_htmx_partials_are_cached_apart(demo: Any, client_for: Any) -> None:
    viewer = client_for("viewer")
    everything = _board(viewer, demo)
    complete = _board(viewer, demo, status="complete")
    assert _main(complete) != _main(everything)
    org = Organisation.objects.filter(actions__review=demo).first()
    assert org is not None
    only_org = _board(viewer, demo, organisation=str(org.pk))
    assert _main(only_org) not in (_main(everything), _main(complete))
    partial = viewer.get(
        f"/reviews/{demo.pk}/actions/", {"status": "complete"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial and "<table" in partial
    assert "<html" in _board(viewer, demo, status="complete")


def test_rag_ratings_follow_the_date(demo: Any, client_for: Any, monkeypatch: Any) -> None:
    """Cached content is kept per day: tomorrow's page rates actions due today as overdue."""
    from django.utils import timezone

    viewer = client_for("viewer")
    today = timezone.localdate()
    action = Action.objects.filter(review=demo).exclude(status="complete").first()
    assert action is not None
    Action.objects.filter(pk=action.pk).update(due=today + dt.timedelta(days=1), status="on_track")
    overdue_today = _board(viewer, demo, overdue="on")
    assert action.what[:30] not in overdue_today
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + dt.timedelta(days=3))
    assert action.what[:30] in _board(viewer, demo, overdue="on")


def test_without_the_revision_row_nothing_is_cached(demo: Any, client_for: Any) -> None:
    """A database emptied by ``flush`` has no revision row: pages are rendered every time."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM plan_datarevision")
    assert page_cache.revision() is None
    viewer = client_for("viewer")
    _board(viewer, demo)
    with connection.cursor() as cursor:  # no trigger can count this change now
        cursor.execute("UPDATE plan_action SET what = 'Changed without a revision'")
    assert "Changed without a revision" in _board(viewer, demo)


@pytest.mark.usefixtures("audit_purge_for_flush")
def test_revision_moves_when_the_change_commits(transactional_db: None) -> None:
    """With real commits: the revision moves with the commit of the change it counts. On
    PostgreSQL it is counted at the commit (deferred), so while the transaction is open the
    counter's row is not locked; SQLite counts it at once (one writer at a time)."""
    from django.db import transaction

    from lsr.web.plan.demo import seed_demo

    seed_demo(with_users=False)
    before = page_cache.revision()
    assert before is not None
    with transaction.atomic():
        Action.objects.update(what="Changed in a transaction")
        inside = page_cache.revision()
        if connection.vendor == "postgresql":
            assert inside == before
    after = page_cache.revision()
    assert after is not None and after > before and after >= (inside or 0)


def test_a_cached_page_takes_four_queries(demo: Any, client_for: Any) -> None:
    """From the cache: the session, the user with its profile, the data revision and the review
    with the membership check; nothing else (the content's own queries are not run)."""
    from django.test.utils import CaptureQueriesContext

    for username in ("viewer", "lead", "admin"):
        client = client_for(username)
        for url in (f"/reviews/{demo.pk}/", f"/reviews/{demo.pk}/actions/"):
            client.get(url)  # fills the cache (and refreshes the new session's expiry)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            assert len(queries) == 4, [q["sql"] for q in queries]
