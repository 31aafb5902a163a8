"""A separate process for the race tests (``test_web_races.py``): a real client of the
application's database, with its own connection, driven by JSON commands on standard input,
one JSON answer per line on standard output.

Commands (``op``): ``setup`` (migrate, seed the demo review), ``export``, ``import`` (an
Excel import through :func:`lsr.web.plan.excel.import_workbook`), ``form`` (open the action
edit form: its data), ``edit`` (submit it, changed, through the real view), ``milestone``
(mark a milestone done or not done through the real view), ``state``, ``quit``. An
``import`` or ``milestone`` may ``pause``: the worker answers ``{"paused": ...}`` at that
point and waits for a ``go`` line, holding whatever it holds there:

* import ``"before"``: the workbook has been read; its write transaction has not begun;
* import ``"inside"``: inside the write transaction, its rows locked, before it writes;
* milestone ``"inside"``: inside the view's transaction, the change made, not committed.

The database is the one the environment names (``LSR_WEB_DATA_DIR`` for an SQLite file or
``LSR_WEB_DATABASE_URL``), as for ``lsr serve``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from typing import Any


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _pause(where: str) -> None:
    _say({"paused": where})
    line = sys.stdin.readline()
    if line.strip() != "go":
        raise SystemExit(f"expected 'go', got {line!r}")


def _pausing(function: Any, where: str, after: bool) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not after:
            _pause(where)
        result = function(*args, **kwargs)
        if after:
            _pause(where)
        return result

    return wrapped


def _client(username: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def run(command: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from lsr.web.plan import excel, excel_import, views_actions
    from lsr.web.plan.models import Action, Milestone, Review

    op = command["op"]
    if op == "setup":
        from django.core.management import call_command

        from lsr.web.plan.demo import seed_demo

        call_command("migrate", verbosity=0)
        review = seed_demo()
        actions = list(Action.objects.filter(review=review).order_by("pk").values_list("pk"))
        milestone = Milestone.objects.filter(action__review=review, done=False).first()
        assert milestone is not None
        return {
            "review": review.pk,
            "actions": [pk for (pk,) in actions],
            "milestone": milestone.pk,
            "milestone_version": milestone.version,
        }
    if op == "export":
        data = excel.export_workbook(Review.objects.get(pk=command["review"]))
        return {"data": base64.b64encode(data).decode()}
    if op == "import":
        review = Review.objects.get(pk=command["review"])
        user = get_user_model().objects.get(username=command["user"])
        saved = excel_import.apply_workbook, excel_import._lock
        if command.get("pause") == "before":
            excel_import.apply_workbook = _pausing(saved[0], "before", after=False)
        elif command.get("pause") == "inside":
            excel_import._lock = _pausing(saved[1], "inside", after=True)
        try:
            result = excel.import_workbook(review, base64.b64decode(command["data"]), user)
        except excel.ImportError_ as exc:
            return {"ok": False, "errors": exc.errors}
        finally:
            excel_import.apply_workbook, excel_import._lock = saved
        return {"ok": True, "updated": result.updated, "created": result.created}
    if op == "form":  # the edit form's data as a user opening it now gets it
        from action_form import action_form_data

        data = action_form_data(Action.objects.get(pk=command["action"]))
        return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
    if op == "edit":  # submit a form opened earlier (``form``), with changes
        data = {**command["form"], **command["changes"]}
        response = _client(command["user"]).post(f"/actions/{command['action']}/edit/", data)
        return {"status": response.status_code, "text": response.content.decode()}
    if op == "milestone":
        saved_touch = views_actions._touch
        if command.get("pause") == "inside":
            views_actions._touch = _pausing(saved_touch, "inside", after=True)
        try:
            response = _client(command["user"]).post(
                f"/milestones/{command['milestone']}/done/",
                {"done": command["done"], "version": command["version"]},
            )
        finally:
            views_actions._touch = saved_touch
        return {"status": response.status_code, "text": response.content.decode()}
    if op == "state":
        action = Action.objects.get(pk=command["action"])
        state: dict[str, Any] = {
            "what": action.what,
            "owner_person": action.owner_person,
            "version": action.version,
            "actions": Action.objects.filter(review_id=action.review_id).count(),
        }
        if command.get("milestone"):
            m = Milestone.objects.get(pk=command["milestone"])
            state["milestone"] = {"done": m.done, "version": m.version}
        return state
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # action_form
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lsr.web.settings")
    import django

    django.setup()
    from django.db import connections

    _say({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        try:
            _say({"result": run(command)})
        except Exception as exc:  # reported to the test, which fails with it
            _say({"error": f"{exc.__class__.__name__}: {exc}"})
        finally:
            connections.close_all()


if __name__ == "__main__":
    main()
