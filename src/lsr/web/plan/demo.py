# ruff: noqa: E501 - the seed report's wording is quoted verbatim
"""Demonstration data: the Oxfordshire local system review (E10000025).

The areas for improvement, themes, findings, reflections and people consulted are copied from
the regulator's published progress report for Oxfordshire (January 2019). The published report
does not list the system's actual actions, so the action plan here is a set of plausible
**example actions**, marked as such wherever they are shown (``Review.actions_are_examples``).

Demo users (created only by :func:`seed_demo`: ``lsr serve --demo`` on an empty database, on a
loopback address only, or the test fixtures): see :data:`DEMO_USERS`; every demo password is
``<username>-demo-2019``, published in the documentation, so :func:`published_logins` tells
``lsr serve`` which accounts still have one (it refuses to serve them beyond this machine).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lsr.web.plan import audit
from lsr.web.plan.models import (
    THEMES,
    Action,
    AreaForImprovement,
    Finding,
    Milestone,
    Organisation,
    PriorityGroup,
    Profile,
    Review,
    Role,
    Status,
    StatusChange,
    Theme,
)

OCC = "Oxfordshire County Council"
CCG = "Oxfordshire CCG"
OUH = "Oxford University Hospitals NHS FT"
OH = "Oxford Health NHS FT"
ORGANISATIONS = ((OCC, "OCC"), (CCG, "CCG"), (OUH, "OUH"), (OH, "OH"))

#: username, role, organisation (partner editors), full name.
DEMO_USERS: tuple[tuple[str, str, str | None, str], ...] = (
    ("admin", Role.ADMINISTRATOR, None, "Demo Administrator"),
    ("reviewer", Role.REVIEWER, None, "Demo Reviewer (regulator)"),
    ("lead", Role.SYSTEM_LEAD, OCC, "Demo System Lead"),
    ("partner", Role.PARTNER_EDITOR, OH, "Demo Partner Editor (Oxford Health)"),
    ("partner2", Role.PARTNER_EDITOR, OUH, "Demo Partner Editor (OUH)"),
    ("viewer", Role.VIEWER, None, "Demo Viewer"),
)


def demo_password(username: str) -> str:
    return f"{username}-demo-2019"


AREAS: tuple[tuple[str, str], ...] = (
    (
        PriorityGroup.STRATEGIC,
        "System leaders must improve how they work together to plan and deliver health and social care services for older people in Oxfordshire. While doing so, a review of people's experiences must take place to target improvements needed to the delivery of health and social care services, bringing people back to the forefront of service delivery.",
    ),
    (
        PriorityGroup.STRATEGIC,
        "System leaders must address and create the required culture to support service interagency collaboration and service integration.",
    ),
    (
        PriorityGroup.STRATEGIC,
        "The older people's strategy must be reviewed and the results implemented into an updated Joint Strategic Needs Assessment. As part of the older people's strategy, the draft frailty pathway should be implemented and evaluated to include those underrepresented in society.",
    ),
    (
        PriorityGroup.STRATEGIC,
        "System leaders should undertake more evaluation of the actions taken by teams and individuals during times of escalation, and learning should be shared with system partners to encourage continuous improvement.",
    ),
    (
        PriorityGroup.STRATEGIC,
        "System leaders must evaluate their winter plans and pressures throughout the year to ensure lessons learned are applied when planning for periods of increased demand.",
    ),
    (
        PriorityGroup.STRATEGIC,
        "System leaders should review and strengthen the approach to managing the care market so that providers are aware of future requirements, particularly for domiciliary care, end of life care, and care for people living with complex mental health issues. A proactive approach to market management is required to ensure a sustainable care market.",
    ),
    (
        PriorityGroup.STRATEGIC,
        "System leaders must implement the Strategic Transformation Partnership's joint workforce strategy and work with the full range of care providers to support a competent, capable and sustainable workforce.",
    ),
    (
        PriorityGroup.OPERATIONAL,
        "System leaders must review how people flow through the health and social care system including a review of pathways so that there are not multiple and confusing points of access. Pathways should be well defined, communicated and understood across the system.",
    ),
    (
        PriorityGroup.OPERATIONAL,
        "System leaders should ensure that housing support services are included within multidisciplinary working, especially in relation to admission to and discharge from hospital, to enable early identification of need and referrals.",
    ),
    (
        PriorityGroup.OPERATIONAL,
        "System leaders should conduct a review of commissioned services to consider design, delivery and outcomes, to improve the effectiveness of social care assessments and reduce and avoid duplication. On completion, the criteria for each service should be circulated to system partners and social care providers to ensure resources are used effectively.",
    ),
    (
        PriorityGroup.OPERATIONAL,
        "System leaders should review methods used to identify carers eligible for support so that they are assured that carers are receiving the necessary support and have access to services.",
    ),
    (
        PriorityGroup.OPERATIONAL,
        "System leaders should ensure that better advice, information and guidance is offered to people funding their own care.",
    ),
    (PriorityGroup.OPERATIONAL, "The trusted assessor model must continue to be embedded."),
    (
        PriorityGroup.ENGAGEMENT,
        "System leaders must continue to engage with people who use services, families and carers when reviewing strategies and integrated systems and structures to ensure these are co-produced. Engagement and partnership working with the voluntary, community and social enterprise (VCSE) sector should be reviewed to improve how the sector is used.",
    ),
)

# Per theme: (what improved, what still needs to improve, areas for future focus), from the report.
FINDINGS: dict[str, tuple[str, str, str]] = {
    THEMES[0]: (
        "We found a new drive and commitment from local leaders that had led to improved working relationships, better partnership working and a sense of shared endeavour.\n\nThe membership of the Health and Wellbeing Board had been extended to include wider partner representation, such as the district councils and chief executives from the NHS foundation trusts, and the CCG.",
        "System leaders recognised that there needed to be more robust use of performance data, including timescales and outcomes.\n\nWe found that the pace of strategic development was slow: a revised older people's strategy was not expected to be agreed until the end of January 2019.",
        "The older people's strategy should be agreed and implemented.\n\nPerformance metrics and reporting should be improved to support oversight and challenge with elected members of the district and county councils.",
    ),
    THEMES[1]: (
        "System leaders told us that relationships had improved across health and social care organisations and with elected members of the council. An Integrated System Delivery Board (ISDB) had been established where system leaders met monthly.",
        "There was still a need to ensure that this work was embedded throughout all tiers of health and social care organisations.",
        "The good work to develop relationships and address cultural change should be embedded throughout Oxfordshire's health and social care system. This should include engagement with the VCSE sector and independent providers.",
    ),
    THEMES[2]: (
        "Work on winter planning had started in May 2018 and a Winter Planning Director post was established in September 2018. An evaluation of the previous winter pressures (2017/18) had been undertaken.",
        "A CHC service specification for care homes was due, but the action plan did not identify further plans for consultation, rollout and delivery.",
        "Timescales and targets for service delivery should be more ambitious to improve the pace of transformation, including the rollout of the CHC service specification.",
    ),
    THEMES[3]: (
        "A Strategic Commissioning Manager for care homes had been jointly appointed by the local authority and Oxfordshire CCG. The quality of the independent social care market provision had remained good.",
        "Although work had started to involve independent social care providers in commissioning, this area remained underdeveloped. A care home strategy had not yet been developed.",
        "Commissioning with the independent social care market should be reviewed to move away from a transactional and traditional approach, and providers should be engaged in plans to support the development of the market.",
    ),
    THEMES[4]: (
        "Some of the actions relating to workforce described in the action plan had been completed, and evaluation work had been undertaken following a joint recruitment campaign.",
        "A draft workforce strategy for Oxfordshire had been presented to the ISDB in October 2018, however this had not yet been agreed and implemented.",
        "The draft workforce strategy for Oxfordshire should be agreed with the STP and implemented at pace, including the work with independent social care providers to support a sustainable workforce.",
    ),
    THEMES[5]: (
        "Frontline staff told us that multidisciplinary team working had improved. Discharge planning was now a part of the daily board rounds and social workers also attended.",
        "Despite improved multiagency working to plan people's discharge from hospital, there were still barriers to the flow of people out of hospital. Staff remained frustrated by the different IT systems.",
        "The comprehensive review of pathways of care should be undertaken. Discharge to assess processes should be evaluated and streamlined to move away from bed-based assessments where possible.",
    ),
    THEMES[6]: (
        "The system had completed the majority of actions required to include housing support services in multidisciplinary working. A 'trusted assessment' process enabled staff to arrange equipment directly with the provider agency.",
        "Funding for housing adaptations was inconsistent across Oxfordshire. There needed to be a greater understanding of the benefits of equipment and technology.",
        "Housing needs, particularly equipment and adaptation needs, should be addressed as part of the review of pathways.",
    ),
    THEMES[7]: (
        "Some progress had been made with carers being involved in co-producing the older people's strategy.",
        "The action plan did not clearly articulate how system leaders could assure themselves that carers were receiving support and had access to services.",
        "Support for carers should be developed.",
    ),
    THEMES[8]: (
        "A Live Well Oxfordshire website had been developed in partnership with Age UK and Affinity.",
        "For people who funded their own care, support, advice and brokerage services remained underdeveloped. The creation of a brokerage service for self-funders did not have planned delivery dates.",
        "Support for people who fund their own care should be developed, particularly plans for the brokerage system which need to be allocated deliverable timescales.",
    ),
}

REFLECTIONS = (
    "System leaders told us that there had been improved relationships and collaboration across health and social care organisations. They intended to build on this as they transformed services to realise their vision of integrated health and social care services in Oxfordshire.\n\n"
    "There was a recognition that the pace of change was slow. They felt that the timescales in the original action plan were optimistic given the scale of change required."
)
CONSULTED = (
    "System leaders from the local authority, the Oxfordshire CCG, Oxford University Hospitals NHS Foundation Trust (OUHFT) and Oxford Health Foundation Trust (OHFT).\n\n"
    "Staff members including community nurses, occupational therapists, physiotherapist, social workers and commissioning managers.\n\n"
    "Local Healthwatch and VCSE services.\n\n"
    "Provider representatives."
)

# Example actions: (theme index, area index, owner, what, start, due, status, indicators).
EXAMPLE_ACTIONS: tuple[tuple[int, int, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        0,
        2,
        OCC,
        "Agree and publish the Oxfordshire Older People's Strategy 2019 to 2024 with a delivery plan",
        "2018-03-01",
        "2019-01-31",
        Status.AT_RISK,
        (),
    ),
    (
        0,
        0,
        CCG,
        "Introduce a system performance dashboard with timescales and outcome measures for the Health and Wellbeing Board",
        "2018-06-01",
        "2019-03-31",
        Status.ON_TRACK,
        ("dtoc_18", "emergency_admissions_65"),
    ),
    (
        1,
        1,
        OCC,
        "Run the Organisation Development Programme for system leaders and the next tier of managers",
        "2018-02-01",
        "2019-06-30",
        Status.ON_TRACK,
        (),
    ),
    (
        1,
        13,
        CCG,
        "Agree a VCSE partnership framework with voluntary sector representatives",
        "2018-04-01",
        "2018-12-31",
        Status.OFF_TRACK,
        (),
    ),
    (
        2,
        4,
        OUH,
        "Evaluate winter 2017/18 and apply the learning to the 2018/19 winter plan",
        "2018-05-01",
        "2018-10-31",
        Status.COMPLETE,
        ("ae_attendances_65",),
    ),
    (
        2,
        3,
        OUH,
        "Share learning from escalation reviews with system partners each month",
        "2018-06-01",
        "2019-04-30",
        Status.ON_TRACK,
        (),
    ),
    (
        3,
        5,
        OCC,
        "Refresh the market position statement, including a care home strategy",
        "2018-05-01",
        "2019-05-31",
        Status.AT_RISK,
        ("care_home_admissions_65",),
    ),
    (
        3,
        5,
        CCG,
        "Commission additional domiciliary care capacity in rural areas",
        "2018-07-01",
        "2019-02-28",
        Status.NOT_STARTED,
        ("dtoc_18",),
    ),
    (
        4,
        6,
        OH,
        "Agree the Oxfordshire workforce strategy with the STP Local Workforce Action Board",
        "2018-04-01",
        "2019-03-31",
        Status.AT_RISK,
        (),
    ),
    (
        5,
        7,
        OH,
        "Roll out three simplified discharge pathways out of hospital",
        "2018-09-01",
        "2019-09-30",
        Status.ON_TRACK,
        ("dtoc_18", "long_stays_65"),
    ),
    (
        5,
        12,
        OUH,
        "Embed the trusted assessor model across acute and community hospital wards",
        "2018-01-01",
        "2018-11-30",
        Status.COMPLETE,
        ("dtoc_18",),
    ),
    (
        6,
        8,
        OCC,
        "Include district council housing officers in hospital discharge multidisciplinary meetings",
        "2018-03-01",
        "2018-12-31",
        Status.ON_TRACK,
        (),
    ),
    (
        7,
        10,
        OCC,
        "Review how carers eligible for support are identified, with Action for Carers and Age UK",
        "2018-03-01",
        "2019-04-30",
        Status.NOT_STARTED,
        (),
    ),
    (
        8,
        11,
        OCC,
        "Launch a brokerage service for people who fund their own care",
        "2018-10-01",
        "2019-06-30",
        Status.NOT_STARTED,
        (),
    ),
)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@transaction.atomic
def seed_demo(*, with_users: bool = True) -> Review:
    """Create the Oxfordshire demonstration review (and demo users); returns the review."""
    orgs = {}
    for name, short in ORGANISATIONS:
        orgs[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"short_name": short}
        )
    review = Review.objects.create(
        area_code="E10000025",
        area_name="Oxfordshire",
        review_start=_d("2017-11-27"),
        review_end=_d("2017-12-01"),
        progress_review_start=_d("2018-11-06"),
        progress_review_end=_d("2018-11-07"),
        actions_are_examples=True,
    )
    areas = []
    for order, (group, text) in enumerate(AREAS, start=1):
        area = AreaForImprovement.objects.create(
            review=review, priority_group=group, text=text, order=order
        )
        audit.created(None, area, "demo seed")
        areas.append(area)
    themes = [
        Theme.objects.create(review=review, name=name, order=i) for i, name in enumerate(THEMES, 1)
    ]
    for theme in themes:
        improved, still, future = FINDINGS[theme.name]
        finding = Finding.objects.create(
            review=review,
            theme=theme,
            improved=improved,
            still_to_improve=still,
            future_focus=future,
            reflections=REFLECTIONS if theme.order == 1 else "",
            consulted=CONSULTED if theme.order == 1 else "",
        )
        audit.created(None, finding, "demo seed")
    now = timezone.now()
    for n, (ti, ai, owner, what, start, due, status, inds) in enumerate(EXAMPLE_ACTIONS, start=1):
        action = Action.objects.create(
            review=review,
            reference=f"EX{n:02d}",
            what=what,
            area=areas[ai],
            theme=themes[ti],
            owner_organisation=orgs[owner],
            owner_person="Example owner",
            start=_d(start),
            due=_d(due),
            status=status,
            indicators=list(inds),
            updated_at=now,
            evidence_notes="Example action (demonstration data).",
        )
        StatusChange.objects.create(action=action, status=status, note="Demo seed")
        audit.created(None, action, "demo seed")
        mid = _d(start) + (_d(due) - _d(start)) / 2
        for date, text, done in (
            (mid, "Interim update to the ISDB", status == Status.COMPLETE),
            (
                _d(due),
                "Completion reported to the Health and Wellbeing Board",
                status == Status.COMPLETE,
            ),
        ):
            ms = Milestone.objects.create(action=action, date=date, text=text, done=done)
            audit.created(None, ms, "demo seed")
    if with_users:
        create_demo_users(review, orgs)
    return review


def create_demo_users(review: Review, orgs: dict[str, Organisation]) -> list[Any]:
    user_model = get_user_model()
    users = []
    for username, role, org, full_name in DEMO_USERS:
        first, _, last = full_name.partition(" ")
        user = user_model.objects.create_user(
            username=username,
            password=demo_password(username),
            first_name=first,
            last_name=last,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        profile = Profile.objects.create(
            user=user, role=role, organisation=orgs.get(org) if org else None
        )
        profile.reviews.add(review)
        users.append(user)
    return users


def is_empty() -> bool:
    """No review and no user: nothing but what a first ``migrate`` creates."""
    return not Review.objects.exists() and not get_user_model().objects.exists()


def published_logins() -> list[str]:
    """The demo usernames that exist, are active and still have their published password."""
    names = [username for username, *_ in DEMO_USERS]
    users = get_user_model().objects.filter(username__in=names, is_active=True)
    return sorted(u.username for u in users if u.check_password(demo_password(u.username)))
