"""The relational audit's results as every output shows them: the page, the CSV and Excel
exports, the JSON API and the progress report all read them from here, and they are built only
from :mod:`lsr.core.relational_audit`'s suppressed cells, edges and changes (never from the
responses directly), so no output can show a cell with fewer than 5 answers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from lsr.core import relational_audit as ra
from lsr.web.plan.models import Organisation, Review
from lsr.web.plan.models_relaudit import AccessCode, AuditRound, SurveyResponse

#: What a suppressed figure is shown as, everywhere.
SUPPRESSED_TEXT = "fewer than 5"
CELL_HEADERS = (
    "Dimension",
    "Respondents' organisation",
    "Organisation rated",
    "Responses",
    "Mean score (1-5)",
    "95% interval, lower",
    "95% interval, upper",
)
CHANGE_HEADERS = (
    "Dimension",
    "Respondents' organisation",
    "Organisation rated",
    "Responses, first round",
    "Responses, second round",
    "Mean, first round",
    "Mean, second round",
    "Change",
    "95% interval of the change, lower",
    "95% interval of the change, upper",
)


def fmt(value: float | None, places: int = 1, *, signed: bool = False) -> str:
    if value is None:
        return ""
    text = f"{value:+.{places}f}" if signed else f"{value:.{places}f}"
    return text.replace("-", "\u2212") if signed else text


def count_text(n: int | None) -> str:
    return SUPPRESSED_TEXT if n is None else str(n)


@dataclass
class RoundResults:
    """A round's suppressed results, with organisation names."""

    round: AuditRound
    organisations: list[Organisation]
    dimensions: list[str]
    cells: list[ra.Cell]
    edges: list[ra.Edge]
    respondents: dict[int, int | None]
    total_respondents: int | None
    names: dict[str, str] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return self.names[key]


def _ratings(round_: AuditRound) -> list[ra.Rating]:
    out: list[ra.Rating] = []
    rows = SurveyResponse.objects.filter(round=round_).values_list("rater_id", "rated_id", "scores")
    dims = set(round_.dimensions)
    for rater, rated, scores in rows:
        for dim, score in (scores or {}).items():
            if dim in dims and isinstance(score, int) and not isinstance(score, bool):
                out.append(ra.Rating(str(rater), str(rated), dim, score))
    return out


def round_results(round_: AuditRound) -> RoundResults:
    orgs = list(round_.organisations.order_by("name"))
    keys = [str(o.pk) for o in orgs]
    ratings = _ratings(round_)
    used = dict(
        AccessCode.objects.filter(round=round_, used=True)
        .values_list("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    shown, total = ra.respondent_counts({str(o.pk): int(used.get(o.pk, 0)) for o in orgs})
    return RoundResults(
        round=round_,
        organisations=orgs,
        dimensions=list(round_.dimensions),
        cells=ra.cells(ratings, keys, round_.dimensions),
        edges=ra.edges(ratings, keys, round_.dimensions),
        respondents={int(k): v for k, v in shown.items()},
        total_respondents=total,
        names={str(o.pk): o.name for o in orgs},
    )


def _band(mean: float) -> int:
    return min(5, max(1, math.floor(mean + 0.5)))


def heatmap(results: RoundResults, dimension: str) -> dict[str, Any]:
    """Rows of the heatmap for one dimension: each rater's cells, with text and a colour band."""
    by = {(c.rater, c.rated): c for c in results.cells if c.dimension == dimension}
    rows = []
    for a in results.organisations:
        cells = []
        for b in results.organisations:
            if a.pk == b.pk:
                cells.append({"self": True, "text": "–", "label": "not asked (own organisation)"})
                continue
            c = by[(str(a.pk), str(b.pk))]
            if c.suppressed:
                cells.append({"suppressed": True, "text": SUPPRESSED_TEXT, "band": 0})
            elif not c.n:
                cells.append({"empty": True, "text": "no responses", "band": 0})
            else:
                cells.append(
                    {
                        "text": fmt(c.mean),
                        "n": c.n,
                        "band": _band(c.mean or 0),
                        "interval": f"{fmt(c.low)} to {fmt(c.high)}",
                    }
                )
        rows.append({"organisation": a, "cells": cells})
    return {"dimension": dimension, "columns": results.organisations, "rows": rows}


def cell_rows(results: RoundResults) -> list[list[str]]:
    """The data table of every cell (the page's tables, the exports), suppressed."""
    return [
        [
            c.dimension,
            results.name(c.rater),
            results.name(c.rated),
            count_text(c.n),
            fmt(c.mean, 2),
            fmt(c.low, 2),
            fmt(c.high, 2),
        ]
        for c in results.cells
    ]


def change_rows(changes: list[ra.Change], names: dict[str, str]) -> list[list[str]]:
    return [
        [
            c.dimension,
            names[c.rater],
            names[c.rated],
            count_text(c.n1),
            count_text(c.n2),
            fmt(c.mean1, 2),
            fmt(c.mean2, 2),
            fmt(c.difference, 2, signed=True),
            fmt(c.low, 2, signed=True),
            fmt(c.high, 2, signed=True),
        ]
        for c in changes
    ]


@dataclass
class ChangeResults:
    first: AuditRound
    second: AuditRound
    changes: list[ra.Change]
    names: dict[str, str]


def change_rounds(review: Review) -> tuple[AuditRound, AuditRound] | None:
    """The two rounds compared: the review's first and last round (the first review's and the
    progress review's), when it has two or more."""
    rounds = list(AuditRound.objects.filter(review=review).order_by("opens", "id"))
    return (rounds[0], rounds[-1]) if len(rounds) >= 2 else None


def change_results(first: AuditRound, second: AuditRound) -> ChangeResults:
    """Cells of the organisations and dimensions both rounds share."""
    second_orgs = set(second.organisations.values_list("pk", flat=True))
    orgs = [o for o in first.organisations.order_by("name") if o.pk in second_orgs]
    dims = [d for d in first.dimensions if d in second.dimensions]
    keys = [str(o.pk) for o in orgs]
    changes = ra.changes(_ratings(first), _ratings(second), keys, dims)
    return ChangeResults(first, second, changes, {str(o.pk): o.name for o in orgs})


def network(results: RoundResults, dimension: str, size: int = 420) -> dict[str, Any]:
    """Positions of the network chart (organisations on a circle, an edge per pair with its
    mean as line width and as a number), for one dimension."""
    orgs = results.organisations
    centre, radius = size / 2, size / 2 - 90
    nodes = {}
    for i, o in enumerate(orgs):
        angle = 2 * math.pi * i / max(1, len(orgs)) - math.pi / 2
        nodes[str(o.pk)] = {
            "name": o.short_name or o.name,
            "full": o.name,
            "x": round(centre + radius * math.cos(angle), 1),
            "y": round(centre + radius * math.sin(angle), 1),
        }
    edges = []
    for e in results.edges:
        if e.dimension != dimension or e.suppressed or not e.n:
            continue
        a, b = nodes[e.a], nodes[e.b]
        edges.append(
            {
                "a": a,
                "b": b,
                "width": round(1 + 2 * ((e.mean or 1) - 1), 1),
                "mean": fmt(e.mean),
                "n": e.n,
                "mx": round((a["x"] + b["x"]) / 2, 1),
                "my": round((a["y"] + b["y"]) / 2, 1),
            }
        )
    hidden = [
        f"{results.name(e.a)} and {results.name(e.b)}"
        for e in results.edges
        if e.dimension == dimension and e.suppressed
    ]
    return {"size": size, "nodes": list(nodes.values()), "edges": edges, "hidden": hidden}


def edge_rows(results: RoundResults) -> list[list[str]]:
    return [
        [
            e.dimension,
            f"{results.name(e.a)} and {results.name(e.b)}",
            count_text(e.n),
            fmt(e.mean, 2),
        ]
        for e in results.edges
    ]


EDGE_HEADERS = ("Dimension", "Organisations (both directions)", "Responses", "Mean score (1-5)")


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def api(results: RoundResults, change: ChangeResults | None) -> dict[str, Any]:
    """The JSON API's body: the same suppressed figures, ``null`` with ``suppressed: true``."""
    r = results.round
    body: dict[str, Any] = {
        "round": {
            "id": r.pk,
            "name": r.name,
            "opens": r.opens.isoformat(),
            "closes": r.closes.isoformat(),
            "dimensions": results.dimensions,
            "example_data": r.is_example,
        },
        "minimum_responses": ra.MIN_RESPONSES,
        "organisations": [{"id": o.pk, "name": o.name} for o in results.organisations],
        "respondents": {
            "total": results.total_respondents,
            "by_organisation": {
                results.name(str(k)): v for k, v in sorted(results.respondents.items())
            },
        },
        "cells": [
            {
                "dimension": c.dimension,
                "respondents_organisation": results.name(c.rater),
                "rated_organisation": results.name(c.rated),
                "n": c.n,
                "mean": _num(c.mean),
                "ci_low": _num(c.low),
                "ci_high": _num(c.high),
                "suppressed": c.suppressed,
            }
            for c in results.cells
        ],
        "edges": [
            {
                "dimension": e.dimension,
                "organisations": [results.name(e.a), results.name(e.b)],
                "n": e.n,
                "mean": _num(e.mean),
                "suppressed": e.suppressed,
            }
            for e in results.edges
        ],
    }
    if change is not None:
        body["change"] = {
            "first_round": change.first.name,
            "second_round": change.second.name,
            "cells": [
                {
                    "dimension": c.dimension,
                    "respondents_organisation": change.names[c.rater],
                    "rated_organisation": change.names[c.rated],
                    "n_first": c.n1,
                    "n_second": c.n2,
                    "mean_first": _num(c.mean1),
                    "mean_second": _num(c.mean2),
                    "change": _num(c.difference),
                    "ci_low": _num(c.low),
                    "ci_high": _num(c.high),
                    "suppressed": c.suppressed,
                }
                for c in change.changes
            ],
        }
    return body
