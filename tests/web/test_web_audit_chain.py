"""The audit trail's hash chain: every row written is chained, and a row changed (any chained
field), deleted, inserted or moved with the guards out of the way is found and named."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone

from lsr.web.plan import audit, audit_chain, audit_guard
from lsr.web.plan.audit_chain import CHAINED_FIELDS, GENESIS, row_hash
from lsr.web.plan.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

#: A query set without the model's refusals: what someone with the database file can do once
#: the guards are dropped.
raw = models.QuerySet(model=AuditEvent)


@pytest.fixture()
def trail(demo: Any, client_for: Any) -> list[dict[str, Any]]:
    """The demo trail plus a few rows of every kind, then the guards dropped (the test's
    transaction is rolled back afterwards, guards included)."""
    client = client_for("lead")
    action = Action.objects.filter(review=demo).first()
    client.post(f"/actions/{action.pk}/milestones/", {"date": "2019-02-01", "text": "Ω ✓ é"})
    client_for("viewer").get(f"/actions/{action.pk}/edit/")  # a refusal (403)
    audit.event(None, AuditEvent.Kind.LOGIN_FAILED, "from 10.0.0.1", username="mallory")
    audit_guard.drop_guards(connection)
    rows = list(raw.order_by("id").values("id", "hash", *CHAINED_FIELDS))
    assert len(rows) > 20
    return rows


def _verify(**kwargs: Any) -> audit_chain.Report:
    return audit_chain.verify(**kwargs)


def test_every_row_is_chained_in_order(trail: list[dict[str, Any]]) -> None:
    prev = GENESIS
    for seq, row in enumerate(trail, start=1):
        assert row["seq"] == seq and row["prev_hash"] == prev
        assert row["hash"] == row_hash(row)
        prev = row["hash"]
    report = _verify()
    assert report.kind == "" and report.rows == len(trail)
    assert (report.head_id, report.head_hash) == (trail[-1]["id"], trail[-1]["hash"])


def test_canonical_form() -> None:
    at = dt.datetime(2019, 1, 7, 9, 30, tzinfo=dt.UTC)
    row = {name: None for name in CHAINED_FIELDS} | {
        "seq": 1,
        "prev_hash": GENESIS,
        "at": at,
        "kind": "update",
        "before": {"b": 1.0, "a": [1e16, "é"]},
        "detail": "Ω",
    }
    text = audit_chain.canonical(row).decode("utf-8")
    assert '"at":"2019-01-07T09:30:00.000000Z"' in text
    assert '"before":{"a":[10000000000000000,"é"],"b":1}' in text and '"detail":"Ω"' in text
    # key order, time zone and whole floats do not change the hash; any value does
    london = at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    same = {**row, "at": london, "before": {"a": [10**16, "é"], "b": 1}}
    assert row_hash(same) == row_hash(row)
    for name in CHAINED_FIELDS:
        changed = {**row, name: "x" if row[name] != "x" else "y"}
        assert row_hash(changed) != row_hash(row), name


def test_values_are_hashed_as_they_read_back(db: None) -> None:
    """JSON of every shape the trail may hold, naive and whole-second times: the row verifies
    after the round trip through the database."""
    before = {
        "decimal": decimal.Decimal("12.50"),
        "date": dt.date(2019, 3, 31),
        "when": dt.datetime(2019, 3, 31, 12, 0, 0, 5, tzinfo=dt.UTC),
        "tuple": (1, 2),
        "big": 2**70,
        "float": 0.1,
        "whole": 1e16,
        "tiny": 1.5e-10,
        "nested": {"z": [None, True, False, {"k": "line\nbreak\ttab \u2028"}]},
        "text": "é Ω ✓ \U0001f600 'quotes' \"double\" \\ back",
    }
    AuditEvent.objects.create(kind="update", before=before, after=None, detail="shapes")
    naive = dt.datetime(2019, 1, 1, 12, 0, 0)
    AuditEvent.objects.create(kind="login", at=naive, detail="naive, whole second")
    AuditEvent.objects.create(kind="login", at=timezone.now(), after=[], before={})
    assert _verify().ok


CHANGES: dict[str, Any] = {
    "seq": 999,
    "prev_hash": "f" * 64,
    "at": dt.datetime(2001, 1, 1, tzinfo=dt.UTC),
    "actor_id": 987654,
    "actor_username": "someone else",
    "kind": "login",
    "model": "Forged",
    "object_id": "424242",
    "review_id": 777,
    "before": {"what": "rewritten"},
    "after": {"what": "rewritten"},
    "detail": "tampered",
    "hash": "a" * 64,
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_a_changed_field_is_found(trail: list[dict[str, Any]], field: str) -> None:
    assert set(CHANGES) == {*CHAINED_FIELDS, "hash"}
    target = trail[len(trail) // 2]
    raw.filter(id=target["id"]).update(**{field: CHANGES[field]})
    report = _verify()
    assert (report.kind, report.row_id) == ("changed", target["id"]), report.problem
    assert f"row id {target['id']}" in report.problem


def test_a_changed_row_found_even_at_the_end(trail: list[dict[str, Any]]) -> None:
    raw.filter(id=trail[-1]["id"]).update(detail="tampered")
    assert (_verify().kind, _verify().row_id) == ("changed", trail[-1]["id"])


@pytest.mark.parametrize("count", [1, 3])
def test_deleted_rows_are_found(trail: list[dict[str, Any]], count: int) -> None:
    i = len(trail) // 2
    raw.filter(id__in=[r["id"] for r in trail[i : i + count]]).delete()
    report = _verify()
    assert (report.kind, report.row_id) == ("deleted", trail[i + count]["id"])
    assert f"{count} row{'s' if count > 1 else ''} missing after row id {trail[i - 1]['id']}" in (
        report.problem
    )


def test_the_first_row_deleted(trail: list[dict[str, Any]]) -> None:
    raw.filter(id=trail[0]["id"]).delete()
    report = _verify()
    assert (report.kind, report.row_id) == ("deleted", trail[1]["id"])


def test_rows_deleted_from_the_end(trail: list[dict[str, Any]]) -> None:
    """The chain of the remaining rows is intact: SQLite's issued ids show the cut; on either
    database, an anchor kept from before shows it."""
    anchor = (trail[-1]["id"], trail[-1]["hash"])
    raw.filter(id__in=[r["id"] for r in trail[-2:]]).delete()
    report = _verify()
    if connection.vendor == "sqlite":
        assert report.kind == "deleted" and f"after row id {trail[-3]['id']}" in report.problem
    else:
        assert report.kind == ""
    report = _verify(anchors=[anchor])
    assert (report.kind, report.row_id) == ("deleted", anchor[0])


def _gap_after(trail: list[dict[str, Any]], i: int) -> int:
    """Renumber the rows after position ``i`` (ids are not hashed: the order is what counts)
    and return a free id right after row ``i``."""
    for row in reversed(trail[i + 1 :]):
        raw.filter(id=row["id"]).update(id=row["id"] + 1000)
    assert _verify().kind == ""  # renumbering in the same order is not a change
    return trail[i]["id"] + 1


def _forge(row_id: int, **fields: Any) -> None:
    forged = AuditEvent(id=row_id, kind="login", actor_username="mallory", detail="forged")
    for name, value in fields.items():
        setattr(forged, name, value)
    models.Model.save(forged, force_insert=True)  # past AuditEvent.save: no sealing


@pytest.mark.parametrize("how", ["no hash", "garbage hash", "valid hash"])
def test_an_inserted_row_is_found(trail: list[dict[str, Any]], how: str) -> None:
    i = len(trail) // 2
    free = _gap_after(trail, i)
    prev = trail[i]
    if how == "no hash":
        _forge(free)
    elif how == "garbage hash":
        _forge(free, seq=prev["seq"] + 1, prev_hash=prev["hash"], hash="b" * 64)
    else:  # whoever forges knows the format: a row that fits after its predecessor
        values = {name: None for name in CHAINED_FIELDS} | {
            "seq": prev["seq"] + 1,
            "prev_hash": prev["hash"],
            "at": timezone.now(),
            "actor_username": "mallory",
            "kind": "login",
            "model": "",
            "object_id": "",
            "detail": "forged",
        }
        _forge(free, **values, hash=row_hash(values))
    report = _verify()
    assert (report.kind, report.row_id) == ("inserted", free), report.problem


def test_reordered_rows_are_found(trail: list[dict[str, Any]]) -> None:
    a, b = trail[5]["id"], trail[9]["id"]
    raw.filter(id=a).update(id=-1)
    raw.filter(id=b).update(id=a)
    raw.filter(id=-1).update(id=b)
    report = _verify()
    assert (report.kind, report.row_id) == ("reordered", a), report.problem
    assert f"written after row id {trail[4]['id']}" not in report.problem


def test_a_rewritten_chain_needs_an_anchor(trail: list[dict[str, Any]]) -> None:
    """Someone who changes a row and recomputes every hash after it leaves a chain that is
    intact in itself: only a hash kept elsewhere shows the rewrite."""
    anchor = (trail[-1]["id"], trail[-1]["hash"])
    i = len(trail) // 2
    prev = trail[i - 1]["hash"]
    for row in trail[i:]:
        values = {**row, "prev_hash": prev}
        if row is trail[i]:
            values["detail"] = "rewritten"
        values["hash"] = prev = row_hash(values)
        raw.filter(id=row["id"]).update(
            detail=values["detail"], prev_hash=values["prev_hash"], hash=values["hash"]
        )
    assert _verify().kind == ""
    report = _verify(anchors=[anchor])
    assert (report.kind, report.row_id) == ("changed", anchor[0])
    assert "rewritten" in report.problem
    early = (trail[i - 1]["id"], trail[i - 1]["hash"])  # before the rewrite: still holds
    assert _verify(anchors=[early]).kind == ""


def test_an_empty_trail_verifies(db: None) -> None:
    report = _verify()
    assert report.ok and report.rows == 0 and report.head_id is None


def test_missing_guards_are_reported(trail: list[dict[str, Any]]) -> None:
    report = _verify()
    assert report.kind == "" and not report.ok
    assert any("missing" in g for g in report.guards)
    audit_guard.ensure_guards(connection)
    assert _verify().ok
