"""Splitting the simulation report's scenario tables to fit a page, and line breaks offered in
long words (the rules the PDF test, test_report_simulation_pdf.py, checks on paper)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsr.report.simulation_tables import (
    LONGEST_UNBROKEN,
    SCENARIOS_PER_TABLE,
    breakable,
    scenario_groups,
    split_cells,
    split_figure_table,
)

BASE = "Base case"
names_strategy = st.lists(
    st.text(alphabet="abcdefgh xyz", min_size=1, max_size=8), min_size=1, max_size=20, unique=True
)


@given(others=names_strategy, per_table=st.integers(min_value=2, max_value=6))
def test_groups_keep_every_scenario_once_led_by_the_base_case(
    others: list[str], per_table: int
) -> None:
    names = [BASE, *[n for n in others if n != BASE]]
    groups = scenario_groups(names, BASE, per_table)
    assert all(1 <= len(g) <= per_table for g in groups)
    if len(names) <= per_table:
        assert groups == [names]
    else:
        assert all(g[0] == BASE and len(g) >= 2 for g in groups)
        assert [n for g in groups for n in g[1:]] == names[1:]  # each once, in order


@given(names=names_strategy)
def test_groups_without_a_base_case_share_the_scenarios_out(names: list[str]) -> None:
    groups = scenario_groups(names, BASE)
    assert [n for g in groups for n in g] == names
    assert all(len(g) <= SCENARIOS_PER_TABLE for g in groups)


def test_a_table_needs_room_for_two_scenarios() -> None:
    with pytest.raises(ValueError, match="at least two"):
        scenario_groups([BASE, "a", "b"], BASE, per_table=1)


def test_figure_tables_keep_the_columns_that_are_not_scenarios() -> None:
    names = [BASE, "a", "b", "c", "d", "e"]
    fig = {
        "columns": ["Month", "Observed", *[f"{n}: mean" for n in names]],
        "fields": ["head", "observed", *names],
    }
    tables = split_figure_table(fig, names, BASE)
    assert [t["fields"] for t in tables] == [
        ["head", "observed", BASE, "a", "b", "c"],
        ["head", "observed", BASE, "d", "e"],
    ]
    assert tables[1]["columns"] == ["Month", "Observed", "Base case: mean", "d: mean", "e: mean"]
    assert tables[0]["note"] == " (table 1 of 2: Base case, a, b, c)"
    assert tables[1]["note"] == " (table 2 of 2: Base case, d, e)"
    one = split_figure_table(
        {"columns": ["Service", "Mean"], "fields": ["head", "mean"]}, names, BASE
    )
    assert one == [{"columns": ["Service", "Mean"], "fields": ["head", "mean"], "note": ""}]


def test_cell_rows_keep_their_other_keys_and_their_groups_cells() -> None:
    names = [BASE, "a", "b", "c", "d"]
    rows = [{"label": "Delayed days", "cells": [{"scenario": n, "mean": n} for n in names]}]
    tables = split_cells(rows, names, BASE)
    assert [t["names"] for t in tables] == [[BASE, "a", "b", "c"], [BASE, "d"]]
    assert [[c["mean"] for c in t["rows"][0]["cells"]] for t in tables] == [
        [BASE, "a", "b", "c"],
        [BASE, "d"],
    ]
    assert all(t["rows"][0]["label"] == "Delayed days" for t in tables)
    assert [(t["index"], t["count"]) for t in tables] == [(1, 2), (2, 2)]
    assert split_cells(rows[:0], names[:3], BASE) == [
        {"names": names[:3], "index": 1, "count": 1, "note": "", "rows": []}
    ]


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\0"),
        max_size=80,
    )
)
def test_breakable_escapes_and_breaks_every_long_word(text: str) -> None:
    out = str(breakable(text))
    marked = out.replace("<wbr>", "\0")
    assert "<" not in marked and ">" not in marked  # escaped: no tag but <wbr>
    assert html.unescape(marked.replace("\0", "")) == text  # the same text
    for word in re.split(r"[\s\0]", html.unescape(marked)):
        assert len(word) <= LONGEST_UNBROKEN, (text, out)


def test_breakable_leaves_short_words_alone() -> None:
    assert str(breakable("Observed: Hartlepool")) == "Observed: Hartlepool"
    assert str(breakable("a" * 25)) == "a" * 12 + "<wbr>" + "a" * 12 + "<wbr>a"
    assert str(breakable("<script>&")) == "&lt;script&gt;&amp;"
