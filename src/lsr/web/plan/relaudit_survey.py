"""The relational audit's survey: issuing codes, taking an answer once per code, the audit rows
for answers (per day, after the day), and resealing a closed round.

What is written when an answer comes in (one transaction, :func:`submit`): the code is marked
used by a conditional update (``used = false`` -> ``true``; of two concurrent submissions with
one code exactly one updates a row, the other gets :class:`CodeRefused` and writes nothing); the
answers are inserted in a random order with random ids; the round's count for the day goes up
by one. Nothing else: no audit row, no log line naming the code or the answers.

The audit trail learns about answers from :func:`audit_finished_days`: for each day before today
on which a round received answers, one row "N responses were received for round R on day D",
dated midnight (UTC) of that day and appended on the first survey or results request after the
day ended, so that neither its time nor its place in the hash chain tells when during the day an
answer came.
"""

from __future__ import annotations

import datetime as dt
import hmac
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lsr.web.plan import audit
from lsr.web.plan.models import AuditEvent, Organisation
from lsr.web.plan.models_relaudit import (
    AccessCode,
    AuditRound,
    ResponseDay,
    ResponseTheme,
    SurveyResponse,
)

#: Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Characters of a code (31**12: about 59 bits), written in groups of four.
CODE_LENGTH = 12
#: The most codes issued at once.
MAX_CODES = 2000


class CodeRefused(Exception):
    """The code is not one that may answer now (unknown, used, or its round is not open)."""


def _key() -> bytes:
    return sha256(b"lsr.relaudit.code\n" + settings.SECRET_KEY.encode()).digest()


def normalise_code(text: str) -> str:
    """The code as typed, without spaces and dashes, in capitals ('' when not code-shaped)."""
    value = "".join(ch for ch in str(text)[:64] if ch not in " -\t").upper()
    if len(value) != CODE_LENGTH or any(ch not in ALPHABET for ch in value):
        return ""
    return value


def digest(code: str) -> str:
    """The keyed hash kept for a code (HMAC-SHA256 under a key derived from the secret key)."""
    return hmac.new(_key(), normalise_code(code).encode(), sha256).hexdigest()


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def issue_codes(
    round_: AuditRound, organisation: Organisation, count: int, user: object
) -> list[str]:
    """``count`` new codes for staff of ``organisation``; the codes themselves are returned
    once and never stored."""
    if not 1 <= count <= MAX_CODES:
        raise ValueError(f"issue from 1 to {MAX_CODES} codes at a time")
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)]
    with transaction.atomic():
        AccessCode.objects.bulk_create(
            AccessCode(round=round_, organisation=organisation, digest=digest(c)) for c in codes
        )
        audit.record(
            user,
            AuditEvent.Kind.CREATE,
            round_,
            None,
            {"codes_issued": count, "organisation": organisation.pk},
            f"issued {count} survey codes for {organisation.name}",
        )
    return [display(c) for c in codes]


def code_round(code: str, today: dt.date) -> AccessCode:
    """The unused code ``code`` of a round open on ``today``, or :class:`CodeRefused`."""
    if not normalise_code(code):
        raise CodeRefused
    found = (
        AccessCode.objects.select_related("round", "organisation")
        .filter(digest=digest(code), used=False)
        .first()
    )
    if found is None or not found.round.is_open(today):
        raise CodeRefused
    return found


@dataclass(frozen=True)
class Answer:
    """A respondent's answers about one organisation."""

    rated_id: int
    scores: dict[str, int]
    comment: str


def submit(code: str, answers: Sequence[Answer], today: dt.date) -> None:
    """Record ``answers`` for ``code``, once (see the module docstring)."""
    with transaction.atomic():
        found = code_round(code, today)
        if not AccessCode.objects.filter(pk=found.pk, used=False).update(used=True):
            raise CodeRefused  # another submission with this code won
        rows = [
            SurveyResponse(
                round_id=found.round_id,
                rater_id=found.organisation_id,
                rated_id=a.rated_id,
                scores=a.scores,
                comment=a.comment,
            )
            for a in answers
        ]
        random.SystemRandom().shuffle(rows)
        for row in rows:  # one at a time: a bulk insert could keep the order given
            row.save(force_insert=True)
        day, _ = ResponseDay.objects.get_or_create(round_id=found.round_id, day=today)
        ResponseDay.objects.filter(pk=day.pk).update(count=F("count") + 1)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def audit_finished_days(today: dt.date, rounds: Iterable[int] | None = None) -> int:
    """Append the audit rows of days before ``today`` not yet audited; returns how many."""
    written = 0
    with transaction.atomic():
        days = ResponseDay.objects.select_related("round").filter(day__lt=today, audited=False)
        if rounds is not None:
            days = days.filter(round_id__in=list(rounds))
        for row in days.select_for_update().order_by("day", "round_id"):
            plural = "response was" if row.count == 1 else "responses were"
            AuditEvent.objects.create(
                at=_midnight(row.day),
                kind=AuditEvent.Kind.CREATE,
                model="SurveyResponse",
                object_id="",
                review_id=row.round.review_id,
                after={"round": row.round_id, "day": row.day.isoformat(), "responses": row.count},
                detail=f"{row.count} {plural} received for round {row.round.name!r} on {row.day}",
            )
            ResponseDay.objects.filter(pk=row.pk).update(audited=True)
            written += 1
    return written


def reseal(round_: AuditRound, today: dt.date) -> bool:
    """After a round has closed: rewrite its answers in a random order with new ids (tags kept)
    and rewrite its codes, once. Returns whether it did."""
    if round_.sealed or today <= round_.closes:
        return False
    with transaction.atomic():
        locked = AuditRound.objects.select_for_update().get(pk=round_.pk)
        if locked.sealed:
            return False
        old = list(SurveyResponse.objects.filter(round=locked))
        tags = {
            r.pk: list(ResponseTheme.objects.filter(response=r).values_list("theme_id", flat=True))
            for r in old
        }
        SurveyResponse.objects.filter(round=locked).delete()
        random.SystemRandom().shuffle(old)
        for row in old:
            theme_ids = tags[row.pk]
            fresh = SurveyResponse(
                round_id=row.round_id,
                rater_id=row.rater_id,
                rated_id=row.rated_id,
                scores=row.scores,
                comment=row.comment,
            )
            fresh.save(force_insert=True)
            ResponseTheme.objects.bulk_create(
                ResponseTheme(response=fresh, theme_id=t) for t in theme_ids
            )
        AccessCode.objects.filter(round=locked).update(used=F("used"))
        locked.sealed = True
        locked.save(update_fields=["sealed"])
        audit.record(
            None,
            AuditEvent.Kind.UPDATE,
            locked,
            None,
            {"sealed": True},
            "round closed: its answers were rewritten in a random order",
        )
    round_.sealed = True
    return True


def housekeeping(today: dt.date | None = None, rounds: Iterable[AuditRound] = ()) -> None:
    """What the survey and results pages do first: audit finished days, reseal closed rounds."""
    today = today or timezone.localdate()
    audit_finished_days(today)
    for r in rounds:
        reseal(r, today)
