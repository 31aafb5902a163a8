"""The query and rendering shortcuts taken for speed (see bench/bench_web.py) keep the rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from lsr.web.plan import indicators
from lsr.web.plan.models import Action


def test_board_query_count_does_not_grow_with_actions(
    client_for: Any, demo: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("partner")
    assert Action.objects.filter(review=demo).count() >= 10
    # The first request after force_login refreshes the session expiry (a write); not counted.
    assert client.get(f"/reviews/{demo.pk}/actions/").status_code == 200
    cache.clear()  # measure a page rendered afresh, not one from the page cache
    with django_assert_max_num_queries(9):
        assert client.get(f"/reviews/{demo.pk}/actions/").status_code == 200


def test_overview_indicator_section_is_rendered_once(client_for: Any, demo: Any) -> None:
    indicators.clear_cache()
    client = client_for("viewer")
    first = client.get(f"/reviews/{demo.pk}/").content.decode()
    info = indicators._section_html.cache_info()
    assert info.misses == 1 and info.hits == 0
    second = client_for("lead").get(f"/reviews/{demo.pk}/").content.decode()
    assert indicators._section_html.cache_info().hits == 1
    section = indicators.indicator_section_html(demo.area_code)
    assert section in first and section in second
    assert "Summary of the indicators" in section


#: The action list's row loop as ``plan/_action_table.html`` wrote it before the rows were
#: written in Python (:func:`lsr.web.plan.views_actions.action_rows_html`).
_TEMPLATE_ROWS = """    {% for a in actions %}
    <tr class="nhsuk-table__row">
      <td class="nhsuk-table__cell"><a href="{% url 'action_detail' a.pk %}">{% if a.reference %}{{ a.reference }}: {% endif %}{{ a.what|truncatewords:18 }}</a></td>
      <td class="nhsuk-table__cell">{{ a.theme.name }}</td>
      <td class="nhsuk-table__cell">{{ a.owner_organisation.name }}{% if a.owner_person %}<br>{{ a.owner_person }}{% endif %}</td>
      <td class="nhsuk-table__cell">{{ a.due|date:"j M Y"|default:"Not set" }}</td>
      <td class="nhsuk-table__cell">{{ a.get_status_display }}</td>
      <td class="nhsuk-table__cell">{% with rag=a.rag_now %}<span class="lsr-rag lsr-rag--{{ rag.value }}">{{ rag.label }}</span>{% endwith %}</td>
    </tr>
    {% empty %}
    <tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="6">No actions match these filters.</td></tr>
    {% endfor %}"""  # noqa: E501


def _add_awkward_actions(review: Any) -> None:
    """Actions whose text needs escaping, is long, or lacks a reference, owner or due date."""
    import datetime as dt

    from lsr.web.plan.models import Organisation

    theme = review.themes.order_by("order").last()
    orgs = list(Organisation.objects.order_by("pk"))
    long_what = " ".join(f"word{i}" for i in range(40)) + " <script>alert('x')</script>"
    for i, (ref, what, person, due, status) in enumerate(
        [
            ("<R&1>", 'Fix "this" & <b>that</b>', "Ann <O'Neil>", None, "on_track"),
            ("", long_what, "", dt.date(2001, 2, 3), "complete"),
            ("R9", "Line one\nline two", "", dt.date.today(), "off_track"),
            ("R10", "  spaced   words  ", "Bob", dt.date(2999, 12, 31), "at_risk"),
        ]
    ):
        Action.objects.create(
            review=review,
            reference=ref,
            what=what,
            theme=theme,
            owner_organisation=orgs[i % len(orgs)],
            owner_person=person,
            due=due,
            status=status,
        )


@pytest.mark.parametrize(
    "query", [{}, {"status": "complete"}, {"overdue": "on"}, {"status": "not_started"}]
)
def test_board_rows_are_those_the_template_wrote(
    client_for: Any, demo: Any, query: dict[str, str]
) -> None:
    """The Python-written rows are byte for byte the rows of the template loop they replace,
    and the page shows them (escaped, truncated, dated as before)."""
    from django.template import engines

    from lsr.web.plan.views_actions import action_rows_html

    _add_awkward_actions(demo)
    loop = engines["django"].from_string(_TEMPLATE_ROWS)
    for username in ("lead", "partner", "viewer"):
        response = client_for(username).get(f"/reviews/{demo.pk}/actions/", query)
        assert response.status_code == 200
        actions = response.context["actions"]
        expected = loop.render({"actions": actions})
        assert "    " + action_rows_html(actions) == expected
        assert expected in response.content.decode()
    if not query:
        page = response.content.decode()
        assert "&lt;R&amp;1&gt;: Fix &quot;this&quot; &amp; &lt;b&gt;that&lt;/b&gt;" in page
        assert "<br>Ann &lt;O&#x27;Neil&gt;" in page and "<script>" not in page
        assert "word17 …</a>" in page and "Not set" in page


def test_board_query_count_is_the_same_for_more_actions(client_for: Any, demo: Any) -> None:
    """No query per row (deferred fields, permissions, related objects): more actions, in more
    organisations, take exactly as many queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client: Any) -> int:
        client.get(f"/reviews/{demo.pk}/actions/")
        cache.clear()  # a page rendered afresh, not one from the page cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/reviews/{demo.pk}/actions/").status_code == 200
        return len(queries)

    clients = {u: client_for(u) for u in ("lead", "partner", "viewer", "admin")}
    before = {u: count(c) for u, c in clients.items()}
    _add_awkward_actions(demo)
    _add_awkward_actions(demo)
    assert {u: count(c) for u, c in clients.items()} == before
    assert max(before.values()) <= 8
