"""The relational audit in the progress report: the sentences of the report's method section
(:func:`method_lines`) and the section's content (:func:`report_section`: heatmaps, network
charts, the change between rounds and their data tables, all suppressed)."""

from __future__ import annotations

from typing import Any

from lsr.web.plan import relaudit_results as results
from lsr.web.plan.models import Review
from lsr.web.plan.models_relaudit import AuditRound


def _respondents(res: results.RoundResults) -> str:
    n = res.total_respondents
    if n is None:
        return "fewer than 5 responses"
    return f"{n} response{'s' if n != 1 else ''}"


def _answered(res: results.RoundResults) -> int:
    return sum(1 for o in res.organisations if res.respondents.get(o.pk) != 0)


def method_lines(review: Review) -> list[str]:
    """Sentences for the report's method section, e.g. "A relational audit was run twice: 44
    responses from 4 organisations in round 1 ...". Empty when the review has no round."""
    rounds = list(AuditRound.objects.filter(review=review).order_by("opens", "id"))
    if not rounds:
        return []
    times = {1: "once", 2: "twice"}.get(len(rounds), f"{len(rounds)} times")
    parts = []
    for i, r in enumerate(rounds, start=1):
        res = results.round_results(r)
        parts.append(
            f"{_respondents(res)} from {_answered(res)} organisations in round {i} "
            f"({r.name}, {r.opens:%-d %B %Y} to {r.closes:%-d %B %Y})"
        )
    lines = [
        f"A relational audit was run {times}: " + "; ".join(parts) + ".",
        "Staff of each partner organisation rated each other organisation on "
        + ", ".join(d.lower() for d in rounds[-1].dimensions)
        + " (1 = very poor to 5 = very good), anonymously, through single-use codes.",
        "Results are shown as mean scores with 95% intervals; any figure from fewer than 5 "
        "responses is suppressed, and changes between rounds are given with a 95% Welch interval.",
    ]
    if any(r.is_example for r in rounds):
        lines.append("The relational audit answers shown are example (synthetic) data.")
    return lines


def report_section(review: Review) -> dict[str, Any]:
    """What the report's "Relational audit" section shows (``{}`` without rounds)."""
    rounds = list(AuditRound.objects.filter(review=review).order_by("opens", "id"))
    if not rounds:
        return {}
    latest = rounds[-1]
    res = results.round_results(latest)
    dims = []
    for i, dim in enumerate(res.dimensions):
        dims.append(
            {
                "dimension": dim,
                "heatmap": results.heatmap(res, dim),
                "network": results.network(res, dim),
                "fig_id": f"relaudit-network-{i}",
                "cells": [r for r in results.cell_rows(res) if r[0] == dim],
            }
        )
    section: dict[str, Any] = {
        "round": latest,
        "respondents": _respondents(res),
        "dimensions": dims,
        "cell_headers": results.CELL_HEADERS,
        "example": any(r.is_example for r in rounds),
        "method": method_lines(review),
    }
    pair = results.change_rounds(review)
    if pair is not None:
        ch = results.change_results(*pair)
        section["change"] = ch
        section["change_headers"] = results.CHANGE_HEADERS
        section["change_rows"] = results.change_rows(ch.changes, ch.names)
    return section
