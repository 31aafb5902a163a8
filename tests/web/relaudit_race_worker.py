"""A separate process for the relational audit's race test: ``setup`` (migrate, create a round
open today with one code; prints the code) or ``submit CODE RATED GO_FILE N`` (wait until GO_FILE
exists, then send the survey's answer form with CODE through the real application, middleware
included, from client address 127.0.0.N; prints the HTTP status). Inside the submission's
transaction, the worker waits a second after reading the code as unused and before marking it
used, so that every process has read it unused before any marks it: the race is certain, not
left to timing. The database is the one the environment names, as for
``lsr serve``."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lsr.web.settings")
os.environ.setdefault("LSR_WEB_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()


def setup() -> str:
    from django.core.management import call_command
    from django.utils import timezone

    from lsr.web.plan.models import Organisation, Review
    from lsr.web.plan.models_relaudit import AuditRound
    from lsr.web.plan.relaudit_survey import issue_codes

    call_command("migrate", verbosity=0)
    a = Organisation.objects.create(name="Race org A")
    b = Organisation.objects.create(name="Race org B")
    review = Review.objects.create(
        area_code="E10000025", area_name="Raceshire", review_start=dt.date(2017, 11, 27),
        review_end=dt.date(2017, 12, 1),
    )  # fmt: skip
    today = timezone.localdate()
    r = AuditRound.objects.create(
        review=review, name="Race round", opens=today, closes=today, dimensions=["Trust"]
    )
    r.organisations.set([a, b])
    return f"{issue_codes(r, a, 1, None)[0]} {b.pk}"


def submit(code: str, rated: str, go: Path, n: str) -> int:
    from django.test import Client

    from lsr.web.plan import relaudit_survey

    read = relaudit_survey.code_round

    def read_then_wait(*args: object, **kwargs: object) -> object:
        found = read(*args, **kwargs)  # type: ignore[arg-type]
        time.sleep(1.0)
        return found

    relaudit_survey.code_round = read_then_wait  # type: ignore[assignment]
    client = Client(REMOTE_ADDR=f"127.0.0.{n}")
    while not go.exists():
        time.sleep(0.005)
    response = client.post(
        "/survey/answer/", {"code": code, f"s_{rated}_0": "4", f"c_{rated}": "race"}
    )
    return int(response.status_code)


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        print(setup(), flush=True)
    else:
        print(submit(sys.argv[2], sys.argv[3], Path(sys.argv[4]), sys.argv[5]), flush=True)
