"""Browser tests of the review's evidence pages: every new page in Chromium against the live
server with axe-core (WCAG 2.2 AA), and a partner answering the information request (draft,
submit, locked). Skipped when /usr/bin/chromium is not installed."""

from __future__ import annotations

from typing import Any

import pytest
import test_web_browser as _b

CHROMIUM, _axe, _login = _b.CHROMIUM, _b._axe, _b._login
#: The browser tests' fixtures: Chromium, a page, the live server with the demo.
browser, page, site = _b.browser, _b.page, _b.site

pytestmark = [
    pytest.mark.usefixtures("audit_purge_for_flush"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
    pytest.mark.slow,
    pytest.mark.browser,
]


def _ids() -> dict[str, int]:
    from lsr.web.plan.models_soir import Answer, EngagementRecord, InformationRequest

    soir = InformationRequest.objects.get(is_example=True)
    submitted = Answer.objects.filter(question__request=soir, status="submitted").first()
    return {
        "soir": soir.pk,
        "org": submitted.organisation_id,
        "answer": submitted.pk,
        "record": EngagementRecord.objects.first().pk,
    }


def test_evidence_pages_are_accessible(site: Any, page: Any) -> None:
    base, review = site
    ids = _ids()
    _login(page, base, "reviewer")
    for path in (
        f"/reviews/{review.pk}/soir/",
        f"/reviews/{review.pk}/soir/new/",
        f"/soir/{ids['soir']}/",
        f"/soir/{ids['soir']}/answers/",
        f"/soir/{ids['soir']}/organisations/{ids['org']}/",
        f"/soir-answers/{ids['answer']}/",
        f"/reviews/{review.pk}/engagement/",
        f"/reviews/{review.pk}/engagement/new/",
        f"/reviews/{review.pk}/engagement/{ids['record']}/edit/",
        "/soir-templates/",
        "/soir-templates/import/",
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        _axe(page)
    # A form with errors is accessible too.
    page.goto(f"{base}/reviews/{review.pk}/engagement/new/")
    page.get_by_label("Short description").fill("Interview with Mrs Smith")
    page.get_by_role("button", name="Save").click()
    assert "never who they are" in page.content()
    _axe(page)


def test_partner_answers_the_information_request(site: Any, page: Any) -> None:
    from lsr.web.plan.models_soir import Answer

    base, _review = site
    ids = _ids()
    _login(page, base, "partner")  # Oxford Health
    page.goto(f"{base}/soir/{ids['soir']}/")
    page.get_by_role("link", name="Answer for Oxford Health NHS FT").click()
    _axe(page)
    answer = Answer.objects.filter(
        question__request_id=ids["soir"],
        organisation__short_name="OH",
        status="draft",
        question__kind="text",
    ).first()
    page.goto(f"{base}/soir-answers/{answer.pk}/")
    _axe(page)
    page.get_by_label("Your answer").fill("Our answer, typed in the browser.")
    page.get_by_role("button", name="Save draft").click()
    assert "Draft saved." in page.content()
    page.get_by_role("button", name="Submit (locks the answer)").click()
    assert "submitted and is now locked" in page.content()
    _axe(page)
    answer.refresh_from_db()
    assert answer.status == "submitted" and answer.value == "Our answer, typed in the browser."
    assert page.get_by_role("button", name="Save draft").count() == 0
