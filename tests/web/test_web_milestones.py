"""Milestones are set to a stated state with the version seen, never toggled (the concurrent
case, in two processes, is in ``test_web_races.py``)."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from lsr.web.plan.models import Action, Milestone

pytestmark = pytest.mark.django_db


def _open_milestone(demo: Any) -> Milestone:
    milestone = Milestone.objects.filter(action__review=demo, done=False).first()
    assert milestone is not None
    return milestone


def test_the_page_sends_the_wanted_state_and_the_version(demo: Any, client_for: Any) -> None:
    milestone = _open_milestone(demo)
    page = client_for("lead").get(f"/actions/{milestone.action_id}/").content.decode()
    form = page[page.index(f'action="/milestones/{milestone.pk}/done/"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="done" value="true">' in form
    assert f'<input type="hidden" name="version" value="{milestone.version}">' in form


def test_the_same_request_twice_leaves_it_done_and_tells_the_second(
    demo: Any, client_for: Any
) -> None:
    milestone = _open_milestone(demo)
    action_version = Action.objects.get(pk=milestone.action_id).version
    request = {"done": "true", "version": milestone.version}
    first = client_for("lead").post(f"/milestones/{milestone.pk}/done/", request)
    assert first.status_code == 302
    second = client_for("admin").post(f"/milestones/{milestone.pk}/done/", request)
    assert second.status_code == 409
    text = unescape(second.content.decode())
    assert f"The milestone “{milestone.text}” was changed by lead at" in text
    assert "it is now marked as done. Your change was not saved" in text
    milestone.refresh_from_db()
    assert milestone.done is True and milestone.version == request["version"] + 1
    # a change to a milestone is a change to its action
    assert Action.objects.get(pk=milestone.action_id).version == action_version + 1


def test_a_stale_request_for_the_other_state_changes_nothing(demo: Any, client_for: Any) -> None:
    milestone = _open_milestone(demo)
    client = client_for("lead")
    seen = milestone.version
    assert client.post(f"/milestones/{milestone.pk}/done/", {"done": "true", "version": seen})
    response = client.post(f"/milestones/{milestone.pk}/done/", {"done": "false", "version": seen})
    assert response.status_code == 409
    milestone.refresh_from_db()
    assert milestone.done is True
    # with the current version it is saved
    response = client.post(
        f"/milestones/{milestone.pk}/done/", {"done": "false", "version": milestone.version}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Say whether the milestone is done"),
        ({"done": "true"}, "The version of the milestone is missing"),
        ({"done": "toggle", "version": 1}, "Select a valid choice"),
        ({"done": "true", "version": "x"}, "Enter a whole number"),
    ],
)
def test_a_request_without_a_state_or_version_is_refused(
    demo: Any, client_for: Any, data: dict[str, Any], message: str
) -> None:
    milestone = _open_milestone(demo)
    response = client_for("lead").post(f"/milestones/{milestone.pk}/done/", data)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    milestone.refresh_from_db()
    assert milestone.done is False and milestone.version == 1
