"""The "delays by reason and responsible organisation" report section: sentences for crafted
cases (largest reason higher, lower, similar; England and comparators disagreeing; a new
largest reason; too few days; no comparators), figures, text alternatives and tables, and the
section on the real default store."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pandas as pd
import pytest

from delay_reason_frames import frame, full, month_rows, without_o
from lsr.core.delay_reasons import DelayReasonsResult, delay_reasons
from lsr.core.geography import ENGLAND_CODE
from lsr.report.delay_reason_charts import over_time_chart, reasons_chart
from lsr.report.delay_reasons import (
    SECTION_ID,
    THEMES,
    agency_sentence,
    care_home_sentence,
    change_sentence,
    delay_reasons_section,
    largest_reason_sentence,
    section_sentences,
)

JUNE, JULY = date(2018, 6, 1), date(2018, 7, 1)
AREA, PEER = "E10000001", "E10000002"
NAME = "Testshire"


def case(
    area: dict[str, float],
    england: dict[str, float],
    peers: dict[str, float] | None = None,
    *,
    before: dict[str, float] | None = None,
    agencies: dict[str, float] | None = None,
    england_agencies: dict[str, float] | None = None,
    adults: float = 1_000_000,
) -> DelayReasonsResult:
    """Crafted two-month (or one-month) case: the area, its one peer and the England rows."""
    rows = [
        month_rows(AREA, JULY, full(**area), agencies, adults=adults),
        month_rows(ENGLAND_CODE, JULY, full(**england), england_agencies, adults=1_000_000),
    ]
    if peers is not None:
        rows.append(month_rows(PEER, JULY, full(**peers), adults=adults))
    if before is not None:
        rows.append(month_rows(AREA, JUNE, full(**before), adults=adults))
        rows.append(month_rows(ENGLAND_CODE, JUNE, full(**england), adults=1_000_000))
        if peers is not None:
            rows.append(month_rows(PEER, JUNE, full(**peers), adults=adults))
    return delay_reasons(frame(*rows), AREA, [PEER] if peers is not None else [])


# --- the largest reason --------------------------------------------------------------------------


def test_largest_reason_much_higher_and_remained():
    res = case(
        {"E": 600, "C": 200, "Di": 100, "Dii": 100},
        {"E": 200, "C": 400, "Di": 200, "Dii": 200},
        {"E": 250, "C": 350, "Di": 200, "Dii": 200},
        before={"E": 550, "C": 250, "Di": 100, "Dii": 100},
    )
    assert largest_reason_sentence(res, NAME) == (
        "In July 2018, the largest reason for delayed days in Testshire remained awaiting care "
        "package in own home (community support), as in June 2018: 60.0% of delayed days, much "
        "higher than the England average (20.0%) and the comparator average (25.0%)."
    )


def test_largest_reason_lower_than_both():
    res = case(
        {"C": 300, "A": 250, "E": 250, "G": 200},
        {"C": 400, "A": 200, "E": 200, "G": 200},
        {"C": 400, "A": 200, "E": 200, "G": 200},
    )
    text = largest_reason_sentence(res, NAME)
    assert text == (
        "In July 2018, the largest reason for delayed days in Testshire was awaiting further "
        "non-acute NHS care: 30.0% of delayed days, lower than the England average (40.0%) and "
        "the comparator average (40.0%)."
    )


def test_largest_reason_similar_and_benchmarks_disagreeing():
    similar = case({"E": 220, "C": 200, "A": 580}, {"E": 210, "C": 200, "A": 590}, {"E": 230})
    assert largest_reason_sentence(similar, NAME) == (
        "In July 2018, the largest reason for delayed days in Testshire was awaiting completion "
        "of assessment: 58.0% of delayed days, similar to the England average (59.0%) and much "
        "higher than the comparator average (0.0%)."
    )
    mixed = case({"E": 600, "C": 400}, {"E": 200, "C": 800}, {"E": 580, "C": 420})
    assert largest_reason_sentence(mixed, NAME) == (
        "In July 2018, the largest reason for delayed days in Testshire was awaiting care package "
        "in own home (community support): 60.0% of delayed days, much higher than the England "
        "average (20.0%) and similar to the comparator average (58.0%)."
    )


def test_a_new_largest_reason_names_the_old_one():
    res = case(
        {"E": 600, "C": 400},
        {"E": 500, "C": 500},
        {"E": 500, "C": 500},
        before={"E": 300, "C": 700},
    )
    text = largest_reason_sentence(res, NAME)
    assert text is not None
    assert "in Testshire was awaiting care package in own home (community support) (in June " in (
        text
    )
    assert "it was awaiting further non-acute NHS care)" in text
    assert "higher than the England average (50.0%)" in text  # 10 points, 1.2 times: not "much"
    assert "much higher" not in text


def test_no_comparators_and_too_few_days():
    alone = case({"E": 600, "C": 400}, {"E": 200, "C": 800})
    text = largest_reason_sentence(alone, NAME)
    assert text is not None and text.endswith("much higher than the England average (20.0%).")
    assert "comparator" not in text
    section = delay_reasons_section(alone, NAME, charts=False)
    assert any("England only" in n for n in section.notes)
    few = case({"E": 60, "C": 30}, {"E": 200, "C": 800}, {"E": 100, "C": 100})
    text = largest_reason_sentence(few, NAME)
    assert text is not None and "too few delayed days that month to compare" in text
    assert agency_sentence(few, NAME) is not None
    assert "much" not in (agency_sentence(few, NAME) or "")


# --- care homes, agencies, changes ---------------------------------------------------------------


def test_care_home_fewer_people_than_both_averages():
    res = case(
        {"E": 800, "Di": 100, "Dii": 100},
        {"E": 500, "Di": 250, "Dii": 250},
        {"E": 500, "Di": 200, "Dii": 200, "C": 100},
        before={"E": 700, "Di": 150, "Dii": 150},
    )
    text = care_home_sentence(res, NAME)
    assert text is not None
    assert "accounted for 20.0% of delayed days in July 2018, down from 30.0% in June 2018" in text
    assert "Fewer people were delayed for this reason than the England and comparator averages" in (
        text
    )
    # area 200 days / 31 / 1,000,000 adults: 0.6 per 100,000; England 500 / 31 / 1,000,000: 1.6
    assert text.endswith(
        ": 0.6 delayed beds a day per 100,000 adults, lower than England (1.6) and the "
        "comparator average (1.3)."
    )


def test_care_home_more_people_and_mixed():
    more = case({"Di": 500, "E": 500}, {"Di": 100, "E": 900}, {"Di": 100, "E": 900})
    text = care_home_sentence(more, NAME)
    assert text is not None and "More people were delayed for this reason" in text
    mixed = case({"Di": 500, "E": 500}, {"Di": 100, "E": 900}, {"Di": 480, "E": 520})
    text = care_home_sentence(mixed, NAME)
    assert text is not None
    assert "people were delayed" not in text
    assert text.endswith(
        "; 1.6 delayed beds a day per 100,000 adults, much higher than England (0.3) and similar "
        "to the comparator average (1.5)."
    )


def test_agency_sentence_names_the_notable_splits():
    res = case(
        {"E": 1000},
        {"E": 1000},
        {"E": 1000},
        agencies={"nhs": 450, "social_care": 90, "both": 460},
        england_agencies={"nhs": 620, "social_care": 300, "both": 80},
    )
    text = agency_sentence(res, NAME)
    assert text is not None
    assert text.startswith(
        "Of Testshire's delayed days in July 2018, 45.0% were attributed to the NHS, 9.0% to "
        "social care and 46.0% to both (England 62.0%, 30.0% and 8.0%; comparators 100.0%, "
        "0.0% and 0.0%)."
    )
    assert (
        "the share attributed to both the NHS and social care was much higher than England's"
        in (text)
    )
    assert "The share attributed to the NHS was lower than England's and much lower than" in text


def test_change_sentence_lists_moves_largest_first_or_says_little_changed():
    res = case(
        {"E": 650, "C": 150, "Di": 100, "Dii": 100},
        {"E": 500, "C": 500},
        before={"E": 400, "C": 300, "Di": 200, "Dii": 100},
    )
    assert change_sentence(res) == (
        "Since June 2018, the share of delays awaiting a care package in their own home "
        "(community support) increased from 40.0% to 65.0%; delays awaiting further non-acute "
        "NHS care reduced from 30.0% to 15.0%; delays awaiting a residential home placement "
        "reduced from 20.0% to 10.0%."
    )
    steady = case({"E": 600, "C": 400}, {"E": 500, "C": 500}, before={"E": 590, "C": 410})
    assert change_sentence(steady) == (
        "Since June 2018, the shares of delayed days by reason changed little (none moved by 5 "
        "percentage points or more)."
    )
    assert change_sentence(case({"E": 600}, {"E": 500})) is None


def test_no_sentence_claims_significance():
    cases = [
        case({"E": 600, "C": 400}, {"E": 200, "C": 800}, {"E": 250, "C": 750}, before={"C": 999}),
        case({"C": 300, "A": 700}, {"C": 400, "A": 600}, {"C": 400, "A": 600}),
    ]
    for res in cases:
        for sentence in section_sentences(res, NAME):
            assert "significant" not in sentence


# --- the section, figures and tables -------------------------------------------------------------


def test_section_structure_without_charts():
    rows = [
        month_rows(AREA, JUNE, without_o(E=500, C=300, A=200)),
        month_rows(AREA, JULY, full(E=600, C=200, A=150, O=50)),
        month_rows(PEER, JUNE, without_o(E=400, C=600)),
        month_rows(PEER, JULY, full(E=400, C=600)),
    ]
    res = delay_reasons(frame(*rows), AREA, [PEER])
    section = delay_reasons_section(res, NAME, comparator_method="test peers", charts=False)
    assert section.id == SECTION_ID and section.status == "real"
    assert section.themes == THEMES
    assert "Market shaping" in THEMES
    assert "Review of pathways, points of access and services" in THEMES
    assert "NHS England" in section.source and "Open Government Licence" in section.source
    assert len(section.sentences) == 4
    anchors = [f.anchor for f in section.figures]
    assert anchors == ["delay-reasons-latest", "delay-reasons-groups", "delay-reasons-agencies"]
    assert all(f.svg is None and f.alt_text and f.table.rows for f in section.figures)
    latest = section.figures[0]
    assert [r["reason"][:2] for r in latest.short_table.rows] == ["E)", "C)", "A)"]  # type: ignore[union-attr]
    groups = section.figures[1]
    assert len(groups.table.rows) == 2 * 4 and len(groups.short_table.rows) == 4  # type: ignore[union-attr]
    changes = section.tables[0]
    o_row = next(r for r in changes.rows if r["category"].startswith("O)"))
    assert o_row["from"] == "not collected" and o_row["judged"] == "Not compared"
    assert any("O) Other was not reported in 1 of 2 months" in n for n in section.notes)
    assert any(n.startswith("Compared by value") for n in section.notes)
    assert "Comparators: test peers" in section.notes
    only_june = delay_reasons(frame(rows[0], rows[2]), AREA, [PEER])
    table = delay_reasons_section(only_june, NAME, charts=False).figures[0].table
    o_cells = next(r for r in table.rows if r["reason"].startswith("O)"))
    assert o_cells["share"] == "not collected" and o_cells["england"] == "not collected"


def test_no_data_is_not_available():
    empty = delay_reasons(frame(month_rows(PEER, JULY, full(E=100))), AREA)
    section = delay_reasons_section(empty, NAME)
    assert section.status == "not available" and section.figures == ()
    assert "No delayed days by reason" in section.notes[0]


def test_charts_never_use_colour_alone():
    res = case({"E": 600, "C": 400}, {"E": 200, "C": 800}, {"E": 300, "C": 700}, before={"E": 1})
    spec = reasons_chart(res, NAME).to_dict()
    enc = spec["encoding"]
    assert enc["color"]["field"] == "series" and enc["shape"]["field"] == "series"
    shapes = enc["shape"]["scale"]["range"]
    assert len(set(shapes)) == len(shapes) == 3
    assert enc["shape"]["scale"]["domain"] == [NAME, "England", "Comparator average"]
    over = over_time_chart(res, NAME, "group").to_dict()
    lines, points = over["spec"]["layer"]
    dashes = lines["encoding"]["strokeDash"]["scale"]["range"]
    assert len({tuple(d) for d in dashes}) == 3
    assert points["encoding"]["shape"]["field"] == "series"


def test_a_gap_between_months_breaks_the_line():
    rows = [month_rows(AREA, m, full(E=500, C=500)) for m in (JUNE, JULY, date(2018, 10, 1))]
    res = delay_reasons(frame(*rows), AREA)
    data = over_time_chart(res, NAME, "agency").to_dict()
    values = next(iter(data["datasets"].values()))
    gaps = [v for v in values if v["share"] is None]
    assert {v["period"] for v in gaps} == {"2018-08-01"}


def test_section_svgs_are_accessible():
    res = case({"E": 600, "C": 400}, {"E": 200, "C": 800}, {"E": 300, "C": 700}, before={"E": 1})
    section = delay_reasons_section(res, NAME)
    for fig in section.figures:
        svg = str(fig.svg)
        assert svg.startswith("<svg") and 'role="img"' in svg
        assert f'aria-label="{fig.alt_text[:40]}' in svg
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids and all(i.startswith(fig.anchor) for i in ids)


# --- the real default store ---------------------------------------------------------------------


def test_oxfordshire_section_on_the_real_store(default_store: duckdb.DuckDBPyConnection):
    from lsr.data.queries import area_names, comparator_groups, dtoc_breakdowns

    groups, method = comparator_groups(default_store)
    res = delay_reasons(dtoc_breakdowns(default_store), "E10000025", groups["E10000025"])
    section = delay_reasons_section(
        res, area_names(default_store)["E10000025"], comparator_method=method, charts=False
    )
    first, care_home, agencies, changes = section.sentences
    assert first.startswith(
        "In October 2018, the largest reason for delayed days in Oxfordshire remained awaiting "
        "care package in own home (community support), as in June 2018: 51.6% of delayed days, "
        "much higher than the England average (21.0%) and the comparator average"
    )
    assert "Fewer people were delayed for this reason than the England and comparator" in (
        care_home
    )
    assert "44.6% were attributed to the NHS, 8.7% to social care and 46.7% to both" in agencies
    assert changes.startswith("Since June 2018")
    july = pd.DataFrame(section.figures[1].table.rows)
    july = july[july["period"] == "Jul 2018"].set_index("category")
    assert july.loc["Awaiting care package in own home / community support (E)", "share"] == (
        "43.0%"
    )


@pytest.mark.parametrize("kind", ["group", "agency"])
def test_over_time_panels_follow_the_fixed_order(kind: str):
    res = case({"E": 600, "C": 400}, {"E": 200, "C": 800}, {"E": 300, "C": 700}, before={"E": 1})
    spec = over_time_chart(res, NAME, kind).to_dict()
    sort = spec["facet"]["sort"]
    assert len(sort) == (4 if kind == "group" else 3)
