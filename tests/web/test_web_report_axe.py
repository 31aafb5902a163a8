"""The progress report the application generates (the HTML document downloaded, published and
made into the PDF: lsr.web.plan.report, plan/report_document.html) passes axe-core at WCAG 2.2
AA in real Chromium, as every other report lsr writes does (issue 10; the profile and simulation
reports are in tests/report/test_report_axe.py). Two reviews: the Oxfordshire demo, with every
part filled in, fetched through its download route, and a new review with nothing recorded yet
(every part empty). Skipped when /usr/bin/chromium is not installed."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db,
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

# Playwright's sync API runs an event loop; Django must allow ORM use from the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _axe_violations(documents: dict[str, str], folder: Path) -> dict[str, str]:
    """Each HTML document, written to a file and opened in Chromium: axe's report of its
    violations, for those that have any."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    found: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page()
        for name, html_text in documents.items():
            path = folder / f"{name}.html"
            path.write_text(html_text, encoding="utf-8")
            page.goto(path.as_uri())
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
            if results.violations_count:
                found[name] = results.generate_report()
        browser.close()
    return found


def test_progress_report_passes_axe(demo: Any, client_for: Any, tmp_path: Path) -> None:
    from lsr.web.plan.models import Review
    from lsr.web.plan.report import render_report_html

    response = client_for("viewer").get(f"/reviews/{demo.pk}/report/download.html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    demo_html = response.content.decode("utf-8")
    assert "Oxfordshire: local system review progress report" in demo_html
    assert demo_html.count("<svg") >= 6  # the indicators' charts are in it
    empty = Review.objects.create(
        area_code="E06000001",
        area_name="Hartlepool",
        review_start=dt.date(2018, 3, 5),
        review_end=dt.date(2018, 3, 9),
    )
    documents = {"demo": demo_html, "empty": render_report_html(empty)}
    assert _axe_violations(documents, tmp_path) == {}
