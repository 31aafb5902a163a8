"""The social care outcomes section: sentences, tables that match the computed values, charts."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pandas as pd
import pytest

from lsr.core.outcomes import (
    CARER_QUALITY_OF_LIFE,
    INPUT_COLUMNS,
    OUTCOME_MEASURES,
    PERMANENT_ADMISSIONS,
    WORKFORCE_TURNOVER,
    Method,
    SocialCareOutcomes,
    social_care_outcomes,
)
from lsr.data.measures import measure_rows
from lsr.data.sources.ascof import load_ascof
from lsr.data.sources.oflog import load_oflog
from lsr.data.store import connect
from lsr.report.outcomes import (
    FIGURE_COLUMNS,
    SECTION_ID,
    measure_sentence,
    ordinal,
    outcome_chart,
    sentences_by_theme,
    series_rows,
    social_care_section,
)
from lsr.report.sections import ReportSection

from raw_data import RAW

AREA = "E10000025"
PEERS = ("E10000002", "E10000003")
ENGLAND = "E92000001"


def row(**kw: Any) -> dict[str, Any]:
    base = {
        "source": "ascof",
        "edition": "official",
        "measure_code": "2A(2)",
        "area_code": AREA,
        "area_name": "Oxfordshire",
        "area_level": "council",
        "year": "2020-21",
        "value": None,
        "numerator": None,
        "denominator": None,
        "margin_of_error": None,
        "status": "published",
        "file_name": "f.csv",
    }
    base.update(kw)
    return base


def outcomes(rows: list[dict[str, Any]], measures: Any = OUTCOME_MEASURES) -> SocialCareOutcomes:
    frame = pd.DataFrame(rows, columns=list(INPUT_COLUMNS))
    return social_care_outcomes(
        frame, AREA, {AREA: PEERS}, area_name="Oxfordshire", measures=measures
    )


def turnover_rows(values: dict[str, float | None], peers: float = 30.0) -> list[dict[str, Any]]:
    out = []
    for year, value in values.items():
        out.append(
            row(
                source="oflog",
                measure_code="ASC7",
                year=year,
                value=value,
                status="published" if value is not None else "not available",
            )
        )
        for i, code in enumerate(("E10000002", "E10000003", "E10000006", "E10000007")):
            out.append(
                row(source="oflog", measure_code="ASC7", year=year, area_code=code, value=peers + i)
            )
    return out


# --- sentences -----------------------------------------------------------------------------------


def test_ordinal() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip


def test_tested_measure_says_significantly() -> None:
    rows = [
        row(edition="compiled", year="2019-20", value=465.9),
        row(value=441.7, numerator=575, denominator=130189),
        row(area_code=ENGLAND, area_level="england", value=498.2, numerator=52133,
            denominator=10464019),
        row(area_code="E10000002", value=470.0, numerator=470, denominator=100000),
        row(area_code="E10000003", value=420.0, numerator=420, denominator=100000),
    ]  # fmt: skip
    result = outcomes(rows, [PERMANENT_ADMISSIONS])
    sentence = measure_sentence(result.series[0], "Oxfordshire")
    assert sentence == (
        "Analysis of the data showed that the rate of permanent admissions of older people "
        "(65+) to residential and nursing care homes in Oxfordshire had decreased from 465.9 in "
        "2019-20 to 441.7 per 100,000 population aged 65+ in 2020-21; in 2020-21 it was "
        "significantly lower than the England average of 498.2 (better) and similar to the "
        "comparator average of 445.0."
    )


def test_ranked_measure_never_claims_significance() -> None:
    result = outcomes(turnover_rows({"2021-22": 28.0, "2022-23": 38.9}), [WORKFORCE_TURNOVER])
    sentence = measure_sentence(result.series[0], "Oxfordshire")
    assert sentence is not None
    assert "significant" not in sentence.replace("not tested for significance", "")
    assert "not tested for significance: a published percentage without counts" in sentence
    assert "higher than the comparator average of 30.5%" in sentence
    assert "In 2022-23 Oxfordshire ranked 5th of the 5 councils with a published value" in sentence
    assert "the fourth quartile" in sentence and "the lowest value" in sentence


def test_although_when_trend_and_position_disagree() -> None:
    """The seed report's register: "had increased ... although the data was in line with
    the England average and lower than comparator areas"."""
    rows = turnover_rows({"2016-17": 25.0, "2017-18": 29.0}, peers=30.0)
    rows.append(row(source="oflog", measure_code="ASC7", year="2017-18", area_code=ENGLAND,
                    area_level="england", value=29.0))  # fmt: skip
    sentence = measure_sentence(outcomes(rows, [WORKFORCE_TURNOVER]).series[0], "Oxfordshire")
    assert sentence is not None
    assert (
        "had increased from 25.0% in 2016-17 to 29.0% in 2017-18, although it was in line "
        "with the England average of 29.0% and lower than the comparator average of 30.5%"
    ) in sentence


def test_single_year_and_no_value() -> None:
    one = outcomes(turnover_rows({"2022-23": 38.9}), [WORKFORCE_TURNOVER])
    assert "was 38.9% in 2022-23, higher than" in (measure_sentence(one.series[0], "X") or "")
    none = outcomes(turnover_rows({"2021-22": None}), [WORKFORCE_TURNOVER])
    assert measure_sentence(none.series[0], "Oxfordshire") == (
        "No value of adult social care workforce turnover rate was published for Oxfordshire: "
        "2021-22 (not available)."
    )
    empty = outcomes([], [WORKFORCE_TURNOVER])
    assert measure_sentence(empty.series[0], "Oxfordshire") is None


def test_sentences_by_theme() -> None:
    rows = [
        *turnover_rows({"2022-23": 38.9}),
        row(measure_code="1D", year="2018-19", value=7.4),
        row(measure_code="1D", year="2018-19", area_code="E10000002", value=7.6),
    ]
    grouped = sentences_by_theme(outcomes(rows))
    assert list(grouped) == ["Workforce", "Carers"]
    assert "carer-reported quality of life" in grouped["Carers"][0]


# --- the section ---------------------------------------------------------------------------------


def test_section_tables_match_the_computed_values() -> None:
    rows = [
        *turnover_rows({"2020-21": 33.4, "2021-22": None, "2022-23": 38.9}),
        row(value=441.7, numerator=575, denominator=130189),
        row(area_code=ENGLAND, area_level="england", value=498.2, numerator=52133,
            denominator=10464019),
        row(area_code="E10000002", value=470.0, numerator=470, denominator=100000),
    ]  # fmt: skip
    result = outcomes(rows)
    section = social_care_section(result, charts=False)
    assert isinstance(section, ReportSection)
    assert section.id == SECTION_ID and section.status == "real"
    assert section.themes == (
        "Market shaping",
        "Workforce",
        "Review of pathways, points of access and services",
    )
    assert len(section.figures) == 2 and all(f.svg is None for f in section.figures)
    by_id = {s.measure.id: s for s in result.series}
    for figure in section.figures:
        series = by_id[figure.anchor.removeprefix("outcome-").replace("-", "_")]
        m = series.measure
        assert figure.table.columns == FIGURE_COLUMNS
        assert len(figure.table.rows) == len(series.points)
        for table_row, point in zip(figure.table.rows, series.points, strict=True):
            assert table_row["year"] == point.year
            if point.value is None:
                assert table_row["value"].startswith("–")
            else:
                assert table_row["value"] == m.format(point.value)
            if point.ci_lower is not None:
                assert (
                    table_row["ci"] == f"{m.format(point.ci_lower)} to {m.format(point.ci_upper)}"
                )
            if point.rank is not None:
                assert table_row["rank"] == f"{point.rank} of {point.councils}"
        assert figure.short_table is not None
        assert figure.short_table.rows == figure.table.rows[-2:]
    admissions = series_rows(by_id["permanent_admissions_65"])[0]
    assert admissions["ci"] == "406.3 to 479.3"
    assert admissions["vs_england"] == "Significantly better"
    turnover = series_rows(by_id["workforce_turnover"])
    assert [r["value"] for r in turnover] == ["33.4%", "– (not available)", "38.9%"]
    assert turnover[-1]["vs_comparators"] == "Higher (not tested)"
    summary = {r["measure"]: r for r in section.tables[0].rows}
    assert summary[f"{PERMANENT_ADMISSIONS.name} (ASCOF 2A(2))"]["result"] == (
        "Significantly better than England"
    )
    assert summary[f"{WORKFORCE_TURNOVER.name} (Oflog ASC7)"]["result"].startswith("Ranked 5 of 5")
    assert any("not tested for significance" in n or "not tested" in n for n in section.notes)


def test_section_without_data() -> None:
    section = social_care_section(outcomes([]), charts=False)
    assert section.status == "not available"
    assert section.figures == () and section.sentences == () and section.tables == ()
    assert any("no published value" in n for n in section.notes)


def test_chart_is_accessible_svg_with_shapes() -> None:
    rows = turnover_rows({"2020-21": 33.4, "2021-22": None, "2022-23": 38.9})
    result = outcomes(rows, [WORKFORCE_TURNOVER])
    section = social_care_section(result, charts=True)
    figure = section.figures[0]
    svg = str(figure.svg)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert f'aria-label="{figure.alt_text[:40]}' in svg
    assert "<title id=" in svg and "<desc id=" in svg
    spec = outcome_chart(result.series[0], "Oxfordshire", 1).to_dict()
    text = str(spec)
    # colour is never the only cue: shapes and dashes differ by series too
    assert "circle" in text and "triangle-up" in text and "strokeDash" in text
    assert "Oxfordshire: 33.4% in 2020-21, 38.9% in 2022-23." in figure.alt_text


# --- the real files, end to end ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store() -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_ascof(con, sorted((RAW / "ascof").glob("*.*")))
    load_oflog(con, [RAW / "oflog_asc_metrics.csv"])
    return con


def test_oxfordshire_from_the_real_files(real_store: duckdb.DuckDBPyConnection) -> None:
    rows = measure_rows(real_store, [p for m in OUTCOME_MEASURES for p in m.sources])
    result = social_care_outcomes(rows, AREA, {}, area_name="Oxfordshire")
    by_id = {s.measure.id: s for s in result.series}
    admissions = by_id["permanent_admissions_65"].latest
    assert admissions is not None and admissions.method == Method.INTERVAL
    assert (admissions.year, admissions.value, admissions.england) == ("2020-21", 441.7, 498.2)
    assert admissions.vs_england.outcome == "better"
    reablement = by_id["reablement_91_days"].latest
    assert reablement is not None
    assert (reablement.value, reablement.england, reablement.vs_england.outcome) == (
        62.0,
        79.1,
        "worse",
    )
    carers = by_id["carer_quality_of_life"]
    assert [(p.year, p.source, p.value) for p in carers.points] == [
        ("2016-17", "oflog", 7.7),
        ("2018-19", "ascof", 7.4),
        ("2021-22", "oflog", 7.3),
    ]
    assert carers.points[1].england == 7.5
    turnover = by_id["workforce_turnover"].latest
    assert turnover is not None and turnover.year == "2022-23"
    assert turnover.rank == 139 and turnover.councils == 151 and turnover.quartile == 4
    section = social_care_section(result, charts=False)
    text = " ".join(section.sentences)
    assert "significantly lower than the England average of 498.2 (better)" in text
    assert "significantly lower than the England average of 79.1% (worse)" in text
    for sentence in section.sentences:
        ranked_part = re.sub(r"not tested for significance", "", sentence)
        if "not tested" in sentence:
            assert "significantly" not in ranked_part
    assert CARER_QUALITY_OF_LIFE.name in " ".join(r["measure"] for r in section.tables[0].rows)
