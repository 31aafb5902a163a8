"""The query and rendering shortcuts taken for speed (see bench/bench_web.py) keep the rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from lsr.web.plan import indicators, permissions
from lsr.web.plan.demo import DEMO_USERS
from lsr.web.plan.models import Action


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_editable_action_ids_matches_can_edit_action(demo: Any, username: str) -> None:
    user = get_user_model().objects.get(username=username)
    actions = list(Action.objects.filter(review=demo))
    expected = {a.pk for a in actions if permissions.can_edit_action(user, a)}
    assert permissions.editable_action_ids(user, demo, actions) == expected


def test_board_query_count_does_not_grow_with_actions(
    client_for: Any, demo: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("partner")
    assert Action.objects.filter(review=demo).count() >= 10
    # The first request after force_login refreshes the session expiry (a write); not counted.
    assert client.get(f"/reviews/{demo.pk}/actions/").status_code == 200
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
    assert "Summary of the six indicators" in section
