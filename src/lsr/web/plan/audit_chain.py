"""The audit trail's hash chain: each row carries the SHA-256 of its own fields and of the
previous row's hash, so that a row changed, deleted, inserted or moved with the database file
itself (triggers dropped first) no longer matches.

A row's hash is ``sha256(b"lsr-audit-v1\\n" + canonical)`` where ``canonical`` is the UTF-8 JSON
(keys sorted, no spaces, non-ASCII kept) of its chained fields: ``seq`` (its position in the
chain, 1, 2, ...), ``prev_hash`` (the previous row's hash; 64 zeros for the first row), ``at``
(UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``), ``actor_id``, ``actor_username``, ``kind``, ``model``,
``object_id``, ``review_id``, ``before``, ``after`` and ``detail``. JSON numbers that are whole
are written as integers (PostgreSQL's ``jsonb`` does not keep ``1e16`` as written). The id is
not hashed (it is given by the database after the hash is computed); the order is ``seq`` and
the links.

Appends are serialised (:func:`chain_lock`), so concurrent writers cannot fork the chain:
PostgreSQL takes a transaction-level advisory lock before reading the last row, held until the
transaction ends; SQLite's write lock does the same (the settings begin every transaction
``IMMEDIATE``: the lock is taken at ``BEGIN``, before the last row is read). The rows of one
chain therefore have increasing ids in chain order.

:func:`verify` walks the rows in id order and names the first that does not fit and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone

GENESIS = "0" * 64
FORMAT = b"lsr-audit-v1\n"
#: The fields a row's hash covers, in the canonical serialisation (keys sorted there anyway).
CHAINED_FIELDS = (
    "seq",
    "prev_hash",
    "at",
    "actor_id",
    "actor_username",
    "kind",
    "model",
    "object_id",
    "review_id",
    "before",
    "after",
    "detail",
)
#: PostgreSQL advisory lock key of the chain (the bytes ``lsraudit``).
LOCK_KEY = int.from_bytes(b"lsraudit", "big")


def _timestamp(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    return value


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes a row's hash is computed over (its chained fields)."""
    data = {name: _canonical_value(row[name]) for name in CHAINED_FIELDS}
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a row's chained fields, its ``prev_hash`` included."""
    return hashlib.sha256(FORMAT + canonical(row)).hexdigest()


def json_ready(value: Any) -> Any:
    """``value`` as it will read back from a JSON column (dates, decimals as strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))


@contextmanager
def chain_lock(using: str = "default") -> Iterator[None]:
    """A transaction in which this process alone may append to the chain (until the outermost
    transaction ends: the appended rows must be committed before another writer reads the
    last row)."""
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # SQLite: the transaction began IMMEDIATE (settings), so it already holds the write
        # lock; with a deferred BEGIN, a writer that read a stale last row fails to write
        # (SQLITE_BUSY_SNAPSHOT) rather than forking the chain.
        yield


def seal(instance: Any, save: Callable[[], None], using: str | None = None) -> None:
    """Give a new audit row its place in the chain and save it, under :func:`chain_lock`."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance) or "default"
    table = connections[using].ops.quote_name(model._meta.db_table)
    with chain_lock(using), connections[using].cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} ORDER BY id DESC LIMIT 1")
        last = cursor.fetchone()
        if last is None:
            instance.seq, instance.prev_hash = 1, GENESIS
        else:
            instance.seq, instance.prev_hash = (last[0] or 0) + 1, last[1]
        at = instance.at or timezone.now()
        instance.at = timezone.make_aware(at, dt.UTC) if timezone.is_naive(at) else at
        instance.before = json_ready(instance.before)
        instance.after = json_ready(instance.after)
        for name in ("actor_username", "kind", "model", "object_id", "detail"):
            setattr(instance, name, str(getattr(instance, name) or ""))
        instance.hash = row_hash({name: getattr(instance, name) for name in CHAINED_FIELDS})
        save()


# --- verification --------------------------------------------------------------------------


@dataclass
class Report:
    """The result of :func:`verify`: ``ok``, or the first problem (``kind`` one of changed,
    deleted, inserted, reordered, guard) with the row it concerns."""

    rows: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    kind: str = ""
    row_id: int | None = None
    problem: str = ""
    guards: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.kind and not self.guards


def _first_bad(
    rows: Iterable[Mapping[str, Any]], find_by_hash: Callable[[str], int | None], report: Report
) -> None:
    """Walk ``rows`` (id order), counting them into ``report`` and describing the first that
    does not fit."""
    expected_prev, expected_seq = GENESIS, 1
    prev_id: int | None = None
    pending: Mapping[str, Any] | None = None  # a row whose own hash failed: look at the next
    for row in rows:
        if pending is not None:
            inserted = row["prev_hash"] == expected_prev and row["hash"] == row_hash(row)
            _mismatch(report, pending, inserted, prev_id)
            return
        report.rows += 1
        rid = row["id"]
        if not row["hash"] or row["seq"] is None or row["hash"] != row_hash(row):
            pending = row
            continue
        if row["prev_hash"] != expected_prev:
            _broken_link(report, row, find_by_hash, prev_id, expected_seq)
            return
        if row["seq"] != expected_seq:
            report.kind, report.row_id = "changed", rid
            report.problem = (
                f"changed: row id {rid} has sequence number {row['seq']}, expected "
                f"{expected_seq} (its chain fields were rewritten)"
            )
            return
        expected_prev, expected_seq, prev_id = row["hash"], expected_seq + 1, rid
        report.head_id, report.head_hash = rid, row["hash"]
    if pending is not None:
        _mismatch(report, pending, False, prev_id)


def _mismatch(report: Report, row: Mapping[str, Any], skipped: bool, prev_id: int | None) -> None:
    rid = row["id"]
    report.row_id = rid
    after = f"row id {prev_id}" if prev_id is not None else "the start of the trail"
    if skipped or not row["hash"] or row["seq"] is None:
        report.kind = "inserted"
        report.problem = (
            f"inserted: row id {rid} is not part of the chain (the next row follows {after})"
            if skipped
            else f"inserted: row id {rid} has no chain hash (written outside the application)"
        )
    else:
        report.kind = "changed"
        report.problem = f"changed: the fields of row id {rid} no longer match its hash"


def _broken_link(
    report: Report,
    row: Mapping[str, Any],
    find_by_hash: Callable[[str], int | None],
    prev_id: int | None,
    expected_seq: int,
) -> None:
    rid = row["id"]
    report.row_id = rid
    linked = find_by_hash(row["prev_hash"]) if row["prev_hash"] != GENESIS else None
    if linked is not None and linked > rid:
        report.kind = "reordered"
        report.problem = (
            f"reordered: row id {rid} was written after row id {linked} but now comes before it"
        )
    elif linked is not None:
        report.kind, report.row_id = "inserted", prev_id
        report.problem = (
            f"inserted: row id {prev_id} is not part of the chain (row id {rid} was written "
            f"right after row id {linked}; any row between them was inserted)"
        )
    elif row["prev_hash"] == GENESIS:
        report.kind = "inserted"
        report.problem = (
            f"inserted: row id {rid} starts a chain of its own: the rows before it "
            f"(up to row id {prev_id}) were inserted, or the chain was rebuilt from it"
        )
    else:
        missing = row["seq"] - expected_seq if row["seq"] is not None else 0
        count = f"{missing} row{'s' if missing != 1 else ''}" if missing > 0 else "rows"
        where = f"after row id {prev_id}" if prev_id is not None else "at the start"
        report.kind = "deleted"
        report.problem = (
            f"deleted: {count} missing {where}, before row id {rid} (it follows a row that is "
            "no longer in the table)"
        )


def verify_rows(
    rows: Iterable[Mapping[str, Any]], find_by_hash: Callable[[str], int | None]
) -> Report:
    """Check rows given in id order (each with ``id``, the chained fields and ``hash``)."""
    report = Report()
    _first_bad(rows, find_by_hash, report)
    return report


def verify(using: str = "default", anchors: Iterable[tuple[int, str]] = ()) -> Report:
    """Check the audit table of database ``using``: the chain, the tail (SQLite), the
    ``anchors`` (row id and the hash it had when it was exported) and the guards."""
    from lsr.web.plan.audit_guard import guard_problems
    from lsr.web.plan.models import AuditEvent

    manager = AuditEvent._base_manager.using(using)
    rows = manager.order_by("id").values("id", "hash", *CHAINED_FIELDS).iterator(chunk_size=2000)

    def find_by_hash(value: str) -> int | None:
        return manager.filter(hash=value).values_list("id", flat=True).first()

    report = verify_rows(rows, find_by_hash)
    if not report.kind:
        for row_id, expected in anchors:
            stored = manager.filter(id=row_id).values_list("hash", flat=True).first()
            if stored is None:
                report.kind, report.row_id = "deleted", row_id
                report.problem = f"deleted: the anchored row id {row_id} is no longer in the table"
            elif stored != expected.lower():
                report.kind, report.row_id = "changed", row_id
                report.problem = (
                    f"changed: the anchored row id {row_id} now has hash {stored}, not "
                    f"{expected.lower()} (the chain was rewritten from this row or before)"
                )
            if report.kind:
                break
    if not report.kind:
        _check_tail(report, using)
    report.guards = guard_problems(connections[using])
    return report


def _check_tail(report: Report, using: str) -> None:
    """SQLite never reissues an id (AUTOINCREMENT, kept in ``sqlite_sequence``, which a
    rollback puts back too): ids issued beyond the last row mean rows were deleted from the
    end."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'plan_auditevent'), "
            "(SELECT max(id) FROM plan_auditevent)"
        )
        issued, last = cursor.fetchone()
    if issued and (last is None or issued > last):
        report.kind, report.row_id = "deleted", last
        where = f"after row id {last}" if last is not None else "(the table is empty)"
        report.problem = (
            f"deleted: the last rows are missing {where}: ids up to {issued} were issued"
        )
