"""The relational audit's public survey: no login. Enter a code (or follow a personal link,
whose code travels after ``#`` and so never reaches the server's logs), answer, confirm.

Each page says nothing about anyone else's answers, and the same refusal for a code that is
unknown, already used, or whose round is not open. Requests are counted per client (a keyed
hash of the address, per hour, in the database so every server process shares the counts,
:class:`~lsr.web.plan.models_relaudit.SurveyThrottle`): more than ``LSR_SURVEY_BAD_CODES_PER_HOUR``
(20) refused codes, or ``LSR_SURVEY_POSTS_PER_HOUR`` (600: many staff may share one office
address) answers and codes sent, and the address gets HTTP 429 until the hour is over.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from hashlib import sha256

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lsr.web.plan import throttle
from lsr.web.plan.forms_relaudit import AnswerForm, CodeForm
from lsr.web.plan.models_relaudit import SCALE, AccessCode, SurveyThrottle
from lsr.web.plan.relaudit_survey import Answer, CodeRefused, code_round, housekeeping, submit

log = logging.getLogger("lsr.web.survey")

REFUSED = (
    "This code cannot be used. Check that it is typed as given to you. A code answers the "
    "survey once, and only while the survey is open."
)
BAD_CODES, POSTS = "bad_code", "post"


def _limits() -> dict[str, int]:
    return {
        BAD_CODES: int(getattr(settings, "LSR_SURVEY_BAD_CODES_PER_HOUR", 20)),
        POSTS: int(getattr(settings, "LSR_SURVEY_POSTS_PER_HOUR", 600)),
    }


def _client(request: HttpRequest) -> str:
    key = sha256(b"lsr.relaudit.client\n" + settings.SECRET_KEY.encode()).digest()
    address = throttle.client_ip(request) or "?"
    return hmac.new(key, address.encode(), sha256).hexdigest()


def _window() -> dt.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def _count(request: HttpRequest, kind: str, add: int) -> int:
    """This client's count of ``kind`` in this hour, after adding ``add``."""
    key, window = _client(request), _window()
    rows = SurveyThrottle.objects.filter(key=key, kind=kind, window=window)
    with transaction.atomic():
        if add and not rows.update(count=F("count") + add):
            try:
                with transaction.atomic():
                    SurveyThrottle.objects.create(key=key, kind=kind, window=window, count=add)
            except IntegrityError:  # created by a concurrent request
                rows.update(count=F("count") + add)
        found = rows.values_list("count", flat=True).first()
    if add and found == add:  # the first of this client's hour: forget earlier hours
        SurveyThrottle.objects.filter(window__lt=window - dt.timedelta(hours=1)).delete()
    return int(found or 0)


def _throttled(request: HttpRequest) -> HttpResponse | None:
    limits = _limits()
    if _count(request, BAD_CODES, 0) >= limits[BAD_CODES] or (
        _count(request, POSTS, 1) > limits[POSTS]
    ):
        log.warning("survey request refused: too many from one client in this hour")
        seconds = int((_window() + dt.timedelta(hours=1) - timezone.now()).total_seconds()) + 1
        response = render(request, "plan/relaudit/survey_throttled.html", status=429)
        response["Retry-After"] = str(max(1, seconds))
        return response
    return None


def _code_page(
    request: HttpRequest, form: CodeForm, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {"form": form, "error": error}
    return render(request, "plan/relaudit/survey_code.html", context, status=status)


def _answer_page(request: HttpRequest, code: AccessCode, form: AnswerForm) -> HttpResponse:
    return render(
        request,
        "plan/relaudit/survey_answer.html",
        {
            "form": form,
            "audit_round": code.round,
            "own": code.organisation,
            "scale": SCALE,
            "groups": form.groups(),
        },
        status=200 if not form.is_bound or form.is_valid() else 400,
    )


def _answer_form(code: AccessCode, data: object = None, initial_code: str = "") -> AnswerForm:
    others = [o for o in code.round.organisations.order_by("name") if o.pk != code.organisation_id]
    return AnswerForm(
        data,  # type: ignore[arg-type]
        others=others,
        dimensions=list(code.round.dimensions),
        initial={"code": initial_code},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _code_page(request, CodeForm())
    refused = _throttled(request)
    if refused is not None:
        return refused
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _code_page(request, form, 400)
    housekeeping()
    try:
        code = code_round(form.cleaned_data["code"], timezone.localdate())
    except CodeRefused:
        _count(request, BAD_CODES, 1)
        form.add_error("code", REFUSED)
        return _code_page(request, form, 400)
    return _answer_page(request, code, _answer_form(code, None, form.cleaned_data["code"]))


@never_cache
@require_POST
def answer(request: HttpRequest) -> HttpResponse:
    refused = _throttled(request)
    if refused is not None:
        return refused
    today = timezone.localdate()
    raw = str(request.POST.get("code", ""))[:64]
    try:
        code = code_round(raw, today)
    except CodeRefused:
        _count(request, BAD_CODES, 1)
        return _code_page(request, CodeForm(), 400, REFUSED)
    form = _answer_form(code, request.POST)
    if not form.is_valid():
        return _answer_page(request, code, form)
    answers = [Answer(rated, scores, comment) for rated, scores, comment in form.answers()]
    try:
        submit(raw, answers, today)
    except CodeRefused:  # used by a concurrent submission a moment ago
        _count(request, BAD_CODES, 1)
        return _code_page(request, CodeForm(), 409, REFUSED)
    return redirect("survey_thanks")


@never_cache
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "plan/relaudit/survey_thanks.html")
