# ruff: noqa: E501 - example texts kept on one line
"""Demonstration data for the review's evidence: question templates, an information request
(SOIR) sent to the four Oxfordshire organisations with answers from several of them, and an
engagement log that mirrors the people the published progress report says the review team
spoke with. All of it is **example data** (``is_example``), labelled wherever it is shown."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lsr.web.plan import audit
from lsr.web.plan.models import Organisation, Review, Theme
from lsr.web.plan.models_soir import (
    Answer,
    AnswerStatus,
    EngagementKind,
    EngagementParticipant,
    EngagementRecord,
    InformationRequest,
    Question,
    QuestionKind,
    QuestionTemplate,
    Recipient,
    RequestStatus,
    RoleGroup,
)

#: theme number (1-9), kind, question, guidance, choices.
TEMPLATES: tuple[tuple[int, str, str, str, str], ...] = (
    (
        1,
        QuestionKind.TEXT,
        "How has the system's strategy for older people changed since the local system review?",
        "Name the documents and boards that agreed it.",
        "",
    ),
    (
        2,
        QuestionKind.CHOICE,
        "How would you describe joint working across the system now?",
        "Choose the closest; explain in your evidence.",
        "Much better\nA little better\nNo change\nWorse",
    ),
    (
        3,
        QuestionKind.DATE,
        "When was this winter's joint plan agreed?",
        "The date the A&E delivery board agreed it.",
        "",
    ),
    (
        4,
        QuestionKind.NUMBER,
        "How many home care hours were commissioned in the latest month?",
        "A whole month's total.",
        "",
    ),
    (
        5,
        QuestionKind.NUMBER,
        "What is the vacancy rate among care staff (per cent)?",
        "Latest figure available.",
        "",
    ),
    (6, QuestionKind.TEXT, "Which pathways out of hospital have been redesigned?", "", ""),
    (
        7,
        QuestionKind.TEXT,
        "How long does a housing adaptation take from assessment to completion?",
        "Median, in weeks, if known.",
        "",
    ),
    (8, QuestionKind.FILE, "Attach the carers' strategy or its action plan.", "PDF or Word.", ""),
    (
        9,
        QuestionKind.TEXT,
        "What information and advice is there for people who fund their own care?",
        "",
        "",
    ),
)

#: organisation short name -> answers by template index: (value, submitted, days after due).
ANSWERS: dict[str, dict[int, tuple[str, bool, int]]] = {
    "OCC": {
        0: (
            "Example answer: the joint older people's strategy was refreshed and agreed by the Health and Wellbeing Board.",
            True,
            -3,
        ),
        1: ("A little better", True, -3),
        3: ("41250", True, -3),
        8: ("Example answer: a self-funders' advice line and web pages were launched.", True, -3),
    },
    "OUH": {
        0: (
            "Example answer: the trust contributed to the refreshed strategy through the ISDB.",
            True,
            2,
        ),
        2: ("2018-09-20", True, 2),
        5: ("Example answer: the discharge to assess pathway was redesigned.", True, 2),
    },
    "OH": {
        0: ("Example answer (draft): community services strategy aligned.", False, 0),
        4: ("12.5", True, -1),
    },
}

#: kind, date, title, [(group, roles, organisation, count)], theme numbers, notes.
ENGAGEMENT = (
    (
        EngagementKind.INTERVIEW,
        "2018-11-06",
        "Interviews with system leaders",
        [
            (
                RoleGroup.SYSTEM_LEADERS,
                "chief executives, directors",
                "Oxfordshire County Council",
                3,
            ),
            (RoleGroup.SYSTEM_LEADERS, "accountable officer, directors", "Oxfordshire CCG", 2),
            (
                RoleGroup.SYSTEM_LEADERS,
                "chief executive, chief operating officer",
                "Oxford University Hospitals NHS FT",
                2,
            ),
            (RoleGroup.SYSTEM_LEADERS, "chief executive", "Oxford Health NHS FT", 1),
        ],
        (1, 2, 3),
        "Example notes: leaders described the refreshed strategy and the new joint governance.",
    ),
    (
        EngagementKind.FOCUS_GROUP,
        "2018-11-06",
        "Focus group with frontline staff",
        [
            (
                RoleGroup.STAFF,
                "community nurses, occupational therapists, physiotherapist",
                "Oxford Health NHS FT",
                6,
            ),
            (
                RoleGroup.STAFF,
                "social workers, commissioning managers",
                "Oxfordshire County Council",
                5,
            ),
        ],
        (5, 6),
        "Example notes: staff reported better joint working on discharge.",
    ),
    (
        EngagementKind.INTERVIEW,
        "2018-11-07",
        "Meeting with Healthwatch and the voluntary sector",
        [
            (RoleGroup.HEALTHWATCH_VCSE, "", "Healthwatch Oxfordshire", 2),
            (RoleGroup.HEALTHWATCH_VCSE, "", "VCSE services", 3),
        ],
        (8, 9),
        "Example notes: carers' support still varies across the county.",
    ),
    (
        EngagementKind.FOCUS_GROUP,
        "2018-11-07",
        "Provider representatives",
        [
            (RoleGroup.PROVIDERS, "home care and care home managers", "", 7),
        ],
        (4, 5),
        "",
    ),
)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def seed_soir(review: Review, orgs: dict[str, Organisation]) -> InformationRequest:
    """The demo review's example request, answers and engagement log."""
    themes = {t.order: t for t in Theme.objects.filter(review=review)}
    templates = []
    if not QuestionTemplate.objects.exists():
        for order, (n, kind, text, guidance, choices) in enumerate(TEMPLATES, start=1):
            t = QuestionTemplate.objects.create(
                theme=themes[n].name,
                kind=kind,
                text=text,
                guidance=guidance,
                choices=choices,
                order=order,
            )
            audit.created(None, t, "demo seed")
            templates.append(t)
    else:
        templates = list(QuestionTemplate.objects.all()[: len(TEMPLATES)])
    due = _d("2018-10-19")
    sent = timezone.make_aware(dt.datetime(2018, 9, 21, 9, 0))
    soir = InformationRequest.objects.create(
        review=review,
        title="Progress review information request (example)",
        due=due,
        status=RequestStatus.SENT,
        sent_at=sent,
        is_example=True,
    )
    audit.created(None, soir, "demo seed")
    questions = []
    for order, t in enumerate(templates, start=1):
        theme = next((th for th in themes.values() if th.name == t.theme), themes[1])
        q = Question.objects.create(
            request=soir,
            theme=theme,
            template=t,
            kind=t.kind,
            text=t.text,
            guidance=t.guidance,
            choices=t.choices,
            order=order,
        )
        questions.append(q)
    by_short = {o.short_name: o for o in orgs.values()}
    findings = {f.theme_id: f for f in review.findings.all()}
    for short in ("OCC", "CCG", "OUH", "OH"):
        org = by_short[short]
        Recipient.objects.create(request=soir, organisation=org)
        given = ANSWERS.get(short, {})
        for i, q in enumerate(questions):
            value, submitted, days = given.get(i, ("", False, 0))
            at = timezone.make_aware(
                dt.datetime.combine(due + dt.timedelta(days=days), dt.time(12))
            )
            a = Answer.objects.create(
                question=q,
                organisation=org,
                value=value,
                status=AnswerStatus.SUBMITTED if submitted else AnswerStatus.DRAFT,
                submitted_at=at if submitted else None,
                updated_at=at if value else timezone.now(),
            )
            if submitted and q.theme_id in findings:
                a.findings.add(findings[q.theme_id])
            audit.created(None, a, "demo seed (example answer)")
    for kind, date, title, people, theme_numbers, notes in ENGAGEMENT:
        record = EngagementRecord.objects.create(
            review=review, kind=kind, date=_d(date), title=title, notes=notes, is_example=True
        )
        record.themes.set([themes[n] for n in theme_numbers])
        for group, roles, organisation, count in people:
            EngagementParticipant.objects.create(
                record=record, group=group, roles=roles, organisation=organisation, count=count
            )
        audit.created(None, record, "demo seed (example engagement)")
    return soir
