"""Browser tests of the relational audit: answering the survey in real Chromium on a
phone-sized viewport, and every reviewer page, each checked with axe-core at WCAG 2.2 AA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from test_web_browser import _axe, _login, browser, site  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.usefixtures("audit_purge_for_flush"),
    pytest.mark.skipif(
        not __import__("pathlib").Path("/usr/bin/chromium").exists(),
        reason="Chromium is not installed at /usr/bin/chromium",
    ),
    pytest.mark.slow,
    pytest.mark.browser,
]


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture()
def desk(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _open_round(review: Any) -> tuple[Any, str, str]:
    from django.utils import timezone

    from lsr.web.plan.models import Organisation
    from lsr.web.plan.models_relaudit import AuditRound
    from lsr.web.plan.relaudit_survey import issue_codes

    today = timezone.localdate()
    r = AuditRound.objects.create(
        review=review, name="Browser round", opens=today, closes=today + dt.timedelta(days=3),
        dimensions=["Trust", "Joint working"],
    )  # fmt: skip
    r.organisations.set(Organisation.objects.all())
    occ = Organisation.objects.get(short_name="OCC")
    first, second = issue_codes(r, occ, 2, None)
    return r, first, second


def test_answering_the_survey_on_a_phone(site: Any, phone: Any) -> None:  # noqa: F811
    from lsr.web.plan.models_relaudit import SurveyResponse

    base, review = site
    r, code, _ = _open_round(review)
    phone.goto(f"{base}/survey/#code={code}")  # the personal link
    assert phone.get_by_label("Your code").input_value() == code
    assert "#" not in phone.url  # the code is taken out of the address bar
    _axe(phone)
    phone.get_by_role("button", name="Continue").click()
    expect(
        phone.get_by_role("heading", name="Browser round: relational audit survey")
    ).to_be_visible()
    _axe(phone)
    group = phone.get_by_role("group", name="Trust: Oxford Health NHS FT")
    group.get_by_label("4 – good").check()
    phone.get_by_role("group", name="Joint working: Oxford Health NHS FT").get_by_label(
        "Don't know"
    ).check()
    phone.get_by_role("group", name="Trust: Oxfordshire CCG").get_by_label("2 – poor").check()
    phone.get_by_label("Anything else about working with Oxfordshire CCG? (optional)").fill(
        "Example: meetings are often cancelled."
    )
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    _axe(phone)
    rows = {(x.rated.short_name, tuple(x.scores.items()), x.comment) for x in
            SurveyResponse.objects.filter(round=r).select_related("rated")}  # fmt: skip
    assert rows == {
        ("OH", (("Trust", 4),), ""),
        ("CCG", (("Trust", 2),), "Example: meetings are often cancelled."),
    }
    # the same link again: refused, with an accessible error
    phone.goto(f"{base}/survey/#code={code}")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_text("This code cannot be used").first).to_be_visible()
    _axe(phone)


def test_an_answer_with_errors_on_a_phone(site: Any, phone: Any) -> None:  # noqa: F811
    base, review = site
    _, _, code = _open_round(review)
    phone.goto(f"{base}/survey/")
    phone.get_by_label("Your code").fill(code)
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name="Send my answers").click()  # nothing answered
    expect(phone.get_by_text("Answer at least one question")).to_be_visible()
    _axe(phone)


def test_reviewer_pages(site: Any, desk: Any) -> None:  # noqa: F811
    from lsr.web.plan.models_relaudit import AuditRound, SurveyResponse

    base, review = site
    rounds = list(AuditRound.objects.filter(review=review).order_by("opens"))
    response = SurveyResponse.objects.filter(round=rounds[1]).exclude(comment="").first()
    assert response is not None
    _login(desk, base, "reviewer")
    desk.goto(f"{base}/reviews/{review.pk}/")
    desk.get_by_role("link", name="Relational audit").click()
    expect(desk.get_by_role("heading", name="Oxfordshire: relational audit")).to_be_visible()
    _axe(desk)
    desk.get_by_role("link", name=rounds[1].name).click()
    expect(
        desk.get_by_role("table", name="Mean score (1-5) and number of responses: Trust")
    ).to_be_visible()
    expect(desk.get_by_text("fewer than 5").first).to_be_visible()
    expect(desk.get_by_role("img", name="Network of organisations: Trust")).to_be_visible()
    _axe(desk)
    desk.get_by_label("Dimension").select_option(label="Communication")
    desk.get_by_role("button", name="Show").click()
    expect(desk.get_by_role("heading", name="Heatmap: Communication")).to_be_visible()
    _axe(desk)
    desk.get_by_role("link", name="Free text and themes").click()
    _axe(desk)
    desk.get_by_text("Tag comment 1 to themes").click()
    desk.get_by_role("group", name="Themes for comment 1").get_by_label("Winter planning").check()
    desk.get_by_role("button", name="Save themes for comment 1").click()
    expect(desk.get_by_text("Themes saved.")).to_be_visible()
    _axe(desk)
    desk.goto(f"{base}/reviews/{review.pk}/relational-audit/change/")
    expect(
        desk.get_by_role(
            "table", name="Change between rounds, by pair of organisations and dimension"
        )
    ).to_be_visible()
    _axe(desk)
    desk.goto(f"{base}/reviews/{review.pk}/relational-audit/new/")
    _axe(desk)
    desk.get_by_role("button", name="Open the round").click()  # empty: errors shown
    expect(desk.get_by_text("There is a problem")).to_be_visible()
    _axe(desk)
    desk.get_by_label("Name").fill("Third round")
    desk.get_by_label("Opens on").fill("2019-03-01")
    desk.get_by_label("Closes on (the last day answers are taken)").fill("2019-04-01")
    desk.get_by_label("Oxford Health NHS FT").check()
    desk.get_by_label("Oxfordshire CCG").check()
    desk.get_by_role("button", name="Open the round").click()
    expect(desk.get_by_role("heading", name="Third round: survey codes")).to_be_visible()
    _axe(desk)
    desk.get_by_label("Organisation").select_option(label="Oxfordshire CCG")
    desk.get_by_label("How many codes").fill("3")
    with desk.expect_download() as download:
        desk.get_by_role("button", name="Issue and download the codes (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as f:
        text = f.read()
    assert text.count("#code=") == 3
