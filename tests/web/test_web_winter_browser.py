"""The winter dashboard in real Chromium against the live server, with axe-core at WCAG 2.2 AA:
with JavaScript (a lever changed, the forecast updated in place), without JavaScript (the same
form as a plain GET), and a real ``lsr load daily`` process while the page is open (the page
picks up the new data and says so in its aria-live region). Skipped without Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from web.test_web_browser import ARGS, CHROMIUM, WCAG

pytestmark = [
    pytest.mark.usefixtures("audit_purge_for_flush"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
    pytest.mark.slow,
    pytest.mark.browser,
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
DEMO_AREA = "E10000025"
LSR = [sys.executable, "-c", "from lsr.cli.main import app; app()"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def site(
    settings: Any,
    tmp_path: Path,
    default_store_path: Path,
    live_server: Any,
    transactional_db: None,
) -> Any:
    from lsr.web.plan import winter
    from lsr.web.plan.demo import seed_demo

    store = tmp_path / "lsr.duckdb"
    shutil.copy(default_store_path, store)
    settings.LSR_DB = str(store)
    settings.LSR_WINTER_POLL_SECONDS = 1
    winter.clear_cache()
    review = seed_demo()  # loads the synthetic winter into this store
    return live_server.url, review, store


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


def _open_tables(page: Any) -> None:
    for summary in page.locator("details summary").all():
        summary.click()


def test_dashboard_levers_with_javascript(site: Any, browser: Any) -> None:
    base, _review, _store = site
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)
    _login(page, base, "lead")
    page.get_by_role("link", name="Winter dashboard").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Oxfordshire: winter dashboard").is_visible()
    assert page.get_by_text("SYNTHETIC DATA").first.is_visible()
    assert page.locator("svg[role=img]").count() >= 5
    _open_tables(page)
    caption = "Data for Figure 1: acute bed occupancy (SYNTHETIC DATA)"
    assert page.get_by_role("table", name=caption).is_visible()
    _axe(page)
    page.get_by_label("Extra home care packages").fill("80")
    url_before = page.url
    page.get_by_role("button", name="Run the forecast with these levers").click()
    status = page.locator("#winter-status")
    status.get_by_text("Forecast updated").wait_for()
    assert page.url != url_before and "extra_home_care=80" in page.url  # in place, no reload
    assert page.locator("#winter-difference").is_visible()
    assert page.locator("#above-levers").is_visible()
    assert page.locator("#winter-save input[name=extra_home_care]").get_attribute("value") == "80"
    _open_tables(page)
    _axe(page)
    # Save it as a scenario (plain POST), then it is listed with its exports.
    page.get_by_label("Scenario name").fill("Eighty packages")
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_load_state()
    assert page.get_by_text("Scenario saved: Eighty packages.").is_visible()
    assert page.get_by_role("link", name="CSV forecast of Eighty packages").is_visible()
    _axe(page)
    context.close()


def test_dashboard_levers_without_javascript(site: Any, browser: Any) -> None:
    base, _review, _store = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(60_000)
    _login(page, base, "viewer")
    # axe needs JavaScript: each page reached without it is checked again in a page with it.
    checker = browser.new_context().new_page()
    checker.set_default_timeout(60_000)
    _login(checker, base, "viewer")

    def axe_same_page() -> None:
        checker.goto(page.url)
        _axe(checker)

    page.get_by_role("link", name="Winter dashboard").click()
    page.wait_for_load_state()
    page.get_by_label("Surge in admissions (%)").fill("10")
    page.get_by_label("Extra home care packages").fill("9999999")
    page.get_by_role("button", name="Run the forecast with these levers").click()
    page.wait_for_load_state()
    assert page.get_by_text("The levers have a problem").is_visible()
    axe_same_page()
    page.get_by_label("Extra home care packages").fill("25")
    page.get_by_role("button", name="Run the forecast with these levers").click()
    page.wait_for_load_state()
    assert "surge_percent=10" in page.url
    assert page.locator("#winter-difference").is_visible()
    assert page.locator("table").count() >= 7  # state, difference, 5 chart data tables
    axe_same_page()
    context.close()
    checker.context.close()


def test_a_real_load_while_the_page_is_open_is_picked_up(site: Any, browser: Any) -> None:
    base, _review, store = site
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(90_000)
    _login(page, base, "viewer")
    page.get_by_role("link", name="Winter dashboard").click()
    page.wait_for_load_state()
    before = page.locator("#winter-page").get_attribute("data-revision")
    assert "Synthetic data" in page.content()
    from lsr.data.synthetic_daily import synthetic_daily

    path = store.parent / "tomorrow.csv"
    end = date.today() + timedelta(days=1)
    frame = synthetic_daily(DEMO_AREA, end - timedelta(days=30), end, seed=11)
    frame.to_csv(path, index=False, float_format="%.0f")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [*LSR, "load", "daily", str(path), "--db", str(store)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    page.locator("#winter-status").get_by_text("New daily data loaded").wait_for()
    assert f"last day {end.isoformat()}" in page.locator("#winter-status").inner_text()
    assert page.locator("#winter-page").get_attribute("data-revision") != before
    assert page.locator("#winter-state").get_by_text(end.isoformat()).is_visible()
    assert "Synthetic data" not in page.locator("#winter-content").inner_html()
    _axe(page)
    context.close()
