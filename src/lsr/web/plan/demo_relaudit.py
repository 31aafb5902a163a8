"""Demonstration data for the relational audit: two example rounds for the Oxfordshire demo
review (the first review's and the progress review's), with synthetic answers drawn from a
seeded generator, labelled as examples wherever they are shown (``AuditRound.is_example``).

Most pairs of organisations have enough answers to show; a few have fewer than 5 in one
direction (Oxfordshire CCG rating Oxford Health; Oxford Health rating the CCG in round 1), so
that the suppression shows on every results page."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from lsr.web.plan import audit
from lsr.web.plan.models import Organisation, Review
from lsr.web.plan.models_relaudit import (
    DEFAULT_DIMENSIONS,
    AccessCode,
    AuditRound,
    SurveyResponse,
)
from lsr.web.plan.relaudit_survey import ALPHABET, CODE_LENGTH, digest

#: name, opens, closes, respondents per organisation (short name), mean shift of the scores.
ROUNDS = (
    ("First review (example, autumn 2017)", "2017-10-02", "2017-11-10", 0.0),
    ("Progress review (example, autumn 2018)", "2018-09-17", "2018-10-26", 0.6),
)
RESPONDENTS = {"OCC": 12, "CCG": 8, "OUH": 14, "OH": 10}
#: (rater, rated) short names answered by only this many respondents (fewer than 5: shown
#: as "fewer than 5").
SPARSE = {("CCG", "OH"): 3, ("OH", "CCG"): 4}
#: Base mean score of each rater -> rated pair, before the round's shift.
BASE = {"OCC": 2.6, "CCG": 2.9, "OUH": 2.4, "OH": 2.8}
COMMENTS = (
    "Example comment: joint discharge meetings have helped, but information still arrives late.",
    "Example comment: we rarely hear about their plans before they are decided.",
    "Example comment: the winter director has made a real difference to how we plan together.",
    "Example comment: staff turnover makes it hard to keep working relationships going.",
)


def _score(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.9))))


def seed_relaudit(review: Review, orgs: dict[str, Organisation]) -> list[AuditRound]:
    """Create the two example rounds with their synthetic answers (already closed)."""
    rng = random.Random(2018)
    by_short = {o.short_name: o for o in orgs.values()}
    made = []
    for name, opens, closes, shift in ROUNDS:
        round_ = AuditRound.objects.create(
            review=review,
            name=name,
            opens=dt.date.fromisoformat(opens),
            closes=dt.date.fromisoformat(closes),
            dimensions=list(DEFAULT_DIMENSIONS),
            is_example=True,
            sealed=True,
        )
        round_.organisations.set(by_short.values())
        rows = []
        for rater_short, count in RESPONDENTS.items():
            rater = by_short[rater_short]
            respondents = count + (2 if shift else 0)
            AccessCode.objects.bulk_create(
                AccessCode(
                    round=round_,
                    organisation=rater,
                    digest=digest("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))),
                    used=True,
                )
                for _ in range(respondents)
            )
            for person in range(respondents):
                for rated_short, rated in by_short.items():
                    if rated_short == rater_short:
                        continue
                    limit = SPARSE.get((rater_short, rated_short))
                    if limit is not None and (person >= limit or (shift and limit == 4)):
                        continue
                    mean = BASE[rated_short] + shift + rng.uniform(-0.3, 0.3)
                    scores = {
                        d: _score(rng, mean) for d in DEFAULT_DIMENSIONS if rng.random() > 0.05
                    }
                    comment = rng.choice(COMMENTS) if rng.random() < 0.15 else ""
                    rows.append(
                        SurveyResponse(
                            round=round_, rater=rater, rated=rated, scores=scores, comment=comment
                        )
                    )
        rng.shuffle(rows)
        SurveyResponse.objects.bulk_create(rows)
        audit.created(None, round_, "demo seed: example round with synthetic answers")
        made.append(round_)
    return made
