"""Browser tests: Chromium (Playwright, sync API) against the live server, with axe-core
accessibility checks at WCAG 2.2 AA. Skipped when /usr/bin/chromium is not installed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    # live-server tests wipe the database after each test (see conftest.audit_purge_for_flush)
    pytest.mark.usefixtures("audit_purge_for_flush"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
    pytest.mark.slow,
    pytest.mark.browser,
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API runs an event loop; Django must allow ORM use from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def site(live_server: Any, transactional_db: None) -> Any:
    from lsr.web.plan.demo import seed_demo

    review = seed_demo()
    return live_server.url, review


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-2019")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _axe(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()


def test_login_and_accessibility(site: Any, page: Any) -> None:
    base, review = site
    page.goto(f"{base}/accounts/login/")
    _axe(page)
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("Your username or password was not recognised").is_visible()
    _axe(page)
    _login(page, base, "viewer")
    assert page.url.rstrip("/").endswith(f"/reviews/{review.pk}")
    assert page.get_by_role("heading", name="Oxfordshire: overview").is_visible()
    _axe(page)
    # A chart's data table, opened as a user opens it, is checked too.
    page.get_by_text("Data for figure 1 (table)").click()
    table = page.get_by_role("table", name=re.compile("Data for Figure 1"))
    assert table.is_visible()
    assert table.get_by_role("row").count() >= 2
    _axe(page)


def test_edit_action_board_and_detail(site: Any, page: Any) -> None:
    from lsr.web.plan.models import Action

    base, review = site
    action = Action.objects.filter(
        review=review, owner_organisation__name="Oxford Health NHS FT"
    ).first()
    _login(page, base, "partner")
    page.goto(f"{base}/reviews/{review.pk}/actions/")
    assert page.get_by_text("Example actions.").is_visible()
    _axe(page)
    page.get_by_label("Status").select_option("complete")  # htmx filter update
    page.wait_for_function("document.querySelector('#action-table').innerText.includes('shown')")
    page.goto(f"{base}/actions/{action.pk}/")
    _axe(page)
    page.get_by_role("link", name="Edit this action").click()
    page.get_by_label("Owner (person) (optional)").fill("Jo Bloggs")
    page.get_by_label("Status", exact=True).select_option("at_risk")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Your changes were saved.").is_visible()
    action.refresh_from_db()
    assert action.owner_person == "Jo Bloggs" and action.status == "at_risk"


def test_access_refusal(site: Any, page: Any) -> None:
    from lsr.web.plan.models import Action, AuditEvent

    base, review = site
    other = (
        Action.objects.filter(review=review)
        .exclude(owner_organisation__name="Oxford Health NHS FT")
        .first()
    )
    _login(page, base, "partner")
    page.goto(f"{base}/actions/{other.pk}/")
    assert page.get_by_role("link", name="Edit this action").count() == 0
    response = page.goto(f"{base}/actions/{other.pk}/edit/")
    assert response.status == 403
    assert page.get_by_role("heading", name="You do not have permission to do this").is_visible()
    assert AuditEvent.objects.filter(kind="denied", actor_username="partner").exists()


def test_report_download(site: Any, page: Any) -> None:
    base, review = site
    _login(page, base, "reviewer")
    page.goto(f"{base}/reviews/{review.pk}/report/")
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("link", name="Download the current report (PDF)").click()
    download = info.value
    assert download.suggested_filename == "oxfordshire-progress-report.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")


def test_scenario_results_accessibility(
    site: Any, page: Any, settings: Any, flow_store: dict[str, Any]
) -> None:
    base, review = site
    settings.LSR_DB = str(flow_store["path"])
    _login(page, base, "viewer")
    page.get_by_role("link", name="Scenario results", exact=True).click()
    assert page.get_by_role("heading", name="Scenario results").is_visible()
    _axe(page)
    run_id = flow_store["runs"]["example"]
    page.locator(f'a[href="/reviews/{review.pk}/scenarios/{run_id}/"]').click()
    assert page.get_by_role("img", name=re.compile("Daily delayed patients")).count() == 1
    page.get_by_text("Data for figure 1").click()
    assert page.get_by_role("table", name=re.compile("average per day by week")).is_visible()
    _axe(page)
