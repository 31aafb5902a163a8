"""Scenario tables of the simulation report that fit a printed page.

A scenario file may hold any number of scenarios, and most of the report's tables have a column
per scenario, so a wide table is split into several tables of at most
:data:`SCENARIOS_PER_TABLE` scenario columns. Every part keeps the row headings (and the other
columns that are not scenarios, such as the observed series) and starts with the base case, so
that each part can be read, and compared with the base case, on its own. The HTML report and
its PDF are the same document, so the split is the same on screen and on paper.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = [
    "LONGEST_UNBROKEN",
    "SCENARIOS_PER_TABLE",
    "breakable",
    "scenario_groups",
    "split_cells",
    "split_figure_table",
]

SCENARIOS_PER_TABLE = 4
"""Scenario columns in one table: four fit an A4 portrait page beside a row heading and an
observed column (at the print style's 7.5 pt, numbers wrapping at their spaces)."""


def scenario_groups(
    names: Sequence[str], base: str, per_table: int = SCENARIOS_PER_TABLE
) -> list[list[str]]:
    """The scenarios of each table: all of them when they fit one table, else the base case
    (when there is one) followed by the next ``per_table - 1`` other scenarios, in order."""
    if per_table < 2:
        raise ValueError("a table needs room for at least two scenarios")
    names = list(names)
    if len(names) <= per_table:
        return [names]
    head = [base] if base in names else []
    others = [n for n in names if n != base]
    size = per_table - len(head)
    return [head + others[i : i + size] for i in range(0, len(others), size)]


def _part_note(group: Sequence[str], index: int, count: int) -> str:
    """The words added to a split table's caption naming its part and scenarios."""
    if count == 1:
        return ""
    return f" (table {index} of {count}: {', '.join(group)})"


def split_cells(
    rows: Sequence[dict[str, Any]],
    names: Sequence[str],
    base: str,
    per_table: int = SCENARIOS_PER_TABLE,
) -> list[dict]:
    """Split rows whose ``cells`` hold one cell per scenario (``cell["scenario"]``): one table
    per :func:`scenario_groups` group, each ``{"names", "index", "count", "note", "rows"}``
    (``index`` of ``count`` parts; ``note`` names them for a caption) with the rows' other keys
    kept and only that group's cells."""
    groups = scenario_groups(names, base, per_table)
    tables = []
    for index, group in enumerate(groups, start=1):
        keep = set(group)
        tables.append(
            {
                "names": group,
                "index": index,
                "count": len(groups),
                "note": _part_note(group, index, len(groups)),
                "rows": [
                    {**row, "cells": [c for c in row["cells"] if c["scenario"] in keep]}
                    for row in rows
                ],
            }
        )
    return tables


def split_figure_table(fig: dict[str, Any], names: Sequence[str], base: str) -> list[dict]:
    """Split a figure's data table (``columns`` and ``fields`` in step, rows keyed by field):
    the fields that are scenario names are shared out by :func:`scenario_groups`; the others
    (the row heading, an observed column) are in every part. Each part is
    ``{"columns", "fields", "note"}``."""
    scenario_fields = [f for f in fig["fields"] if f in set(names)]
    groups = scenario_groups(scenario_fields, base) if scenario_fields else [[]]
    tables = []
    for index, group in enumerate(groups, start=1):
        keep = set(group)
        pairs = [
            (column, field)
            for column, field in zip(fig["columns"], fig["fields"], strict=True)
            if field not in set(scenario_fields) or field in keep
        ]
        tables.append(
            {
                "columns": [c for c, _ in pairs],
                "fields": [f for _, f in pairs],
                "note": _part_note(group, index, len(groups)),
            }
        )
    return tables


LONGEST_UNBROKEN = 12
"""Characters of a word a table cell may hold before a line break is offered (``<wbr>``)."""

_LONG_WORD = re.compile(rf"\S{{{LONGEST_UNBROKEN + 1},}}")


def breakable(text: object) -> Markup:
    """``text`` escaped for HTML, with a ``<wbr>`` line break opportunity after every
    :data:`LONGEST_UNBROKEN` characters of any longer word (a long scenario or area name).

    A table column is never narrower than its longest word, so a long word would push a table
    with a column per scenario past the printed page; with these breaks a word wraps at the
    page's edge instead. The text read aloud or copied is unchanged (``<wbr>`` is no
    character)."""
    raw = str(text)
    pieces: list[str] = []
    last = 0
    for match in _LONG_WORD.finditer(raw):
        word = match.group()
        chunks = [word[i : i + LONGEST_UNBROKEN] for i in range(0, len(word), LONGEST_UNBROKEN)]
        pieces += [escape(raw[last : match.start()]), "<wbr>".join(escape(c) for c in chunks)]
        last = match.end()
    pieces.append(escape(raw[last:]))
    return Markup("".join(pieces))
