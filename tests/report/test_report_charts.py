"""Charts: spec content, SVG rendering, text alternatives and data tables."""

from __future__ import annotations

import re

from lsr.report.charts import (
    DATA_TABLE_COLUMNS,
    POINT_STYLES,
    chart_data_table,
    chart_png,
    chart_svg,
    chart_text_alternative,
    indicator_chart,
)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [])


def test_point_types_have_distinct_colours_and_shapes():
    styles = [s for k, s in POINT_STYLES.items() if k is not None]
    assert len({s.shape for s in styles}) == len(styles)
    assert POINT_STYLES["common_cause"].colour == "#a6a6a6"
    assert POINT_STYLES["special_cause_improvement"].colour == "#00b0f0"
    assert POINT_STYLES["special_cause_concern"].colour == "#e46c0a"
    assert POINT_STYLES["special_cause_neutral_high"].colour == "#490092"


def test_chart_spec_has_lines_points_and_legend(oxfordshire_profile):
    dtoc = oxfordshire_profile.indicators[4]
    spec = indicator_chart(dtoc, "Oxfordshire", 5).to_dict()
    assert spec["title"]["text"] == "Figure 5: Delayed transfers of care (18+)"
    lines, points = _layers(spec)[:2]
    series = lines["encoding"]["color"]["scale"]["domain"]
    assert series == [
        "Oxfordshire",
        "England average",
        "Oxfordshire average",
        "Upper control limit (UCL)",
        "Lower control limit (LCL)",
    ]
    dashes = dict(zip(series, lines["encoding"]["strokeDash"]["scale"]["range"], strict=True))
    assert dashes["Upper control limit (UCL)"] != [1, 0]
    assert dashes["Lower control limit (LCL)"] != [1, 0]
    # shape and fill both encode the point type: never colour alone
    assert points["encoding"]["shape"]["field"] == "point_type"
    assert points["encoding"]["fill"]["field"] == "point_type"
    domain = points["encoding"]["shape"]["scale"]["domain"]
    assert set(domain) == {
        "Common cause variation",
        "Special cause improvement",
        "Special cause concern",
    }
    shapes = points["encoding"]["shape"]["scale"]["range"]
    assert len(set(shapes)) == len(shapes)
    assert "delayed beds per day" in " ".join(lines["encoding"]["y"]["title"])
    assert "SYNTHETIC" not in str(spec["title"])


def test_synthetic_chart_says_so(oxfordshire_profile):
    synthetic = oxfordshire_profile.indicators[5]
    spec = indicator_chart(synthetic, "Oxfordshire", 6).to_dict()
    assert "SYNTHETIC DATA" in spec["title"]["subtitle"][0]
    svg = chart_svg(synthetic, "Oxfordshire", 6, "fig6")
    assert "SYNTHETIC DATA" in svg


def test_svg_renders_and_is_deterministic(oxfordshire_profile):
    ae = oxfordshire_profile.indicators[0]
    first = chart_svg(ae, "Oxfordshire", 1, "fig1")
    assert first.startswith("<svg")
    assert "Figure 1: A&amp;E attendances (65+)" in first or "Figure 1: A&E" in first
    assert "England average" in first
    assert first == chart_svg(ae, "Oxfordshire", 1, "fig1")
    for element_id in re.findall(r'\bid="([^"]+)"', first):
        assert element_id.startswith("fig1-")


def test_png_renders(oxfordshire_profile):
    png = chart_png(oxfordshire_profile.indicators[3], "Oxfordshire", 4)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_series_chart(empty_indicator):
    svg = chart_svg(empty_indicator, "Rutland", 4, "fig4")
    assert "No data available" in svg
    assert chart_text_alternative(empty_indicator, "Rutland") == (
        "Chart of Hospital length of stay over 7 days (65+) for Rutland: no data available."
    )
    assert chart_data_table(empty_indicator) == []


def test_text_alternative(oxfordshire_profile):
    dtoc = oxfordshire_profile.indicators[4]
    text = chart_text_alternative(dtoc, "Oxfordshire")
    assert "16 periods from April 2017 to July 2018" in text
    assert "Values range from 16.7 (June 2018) to 41.2 (April 2017)." in text
    assert "Latest (July 2018): 20.6 against England 10.3 (higher)." in text
    assert text.endswith(
        "Special cause concern from April 2017 to June 2017; Special cause improvement from "
        "March 2018 to July 2018."
    )
    synthetic = chart_text_alternative(oxfordshire_profile.indicators[5], "Oxfordshire")
    assert synthetic.startswith("Synthetic data — not real figures.")


def test_data_table_rows(oxfordshire_profile):
    care = oxfordshire_profile.indicators[2]
    rows = chart_data_table(care)
    assert len(rows) == 16
    assert [k for k, _ in DATA_TABLE_COLUMNS] == list(rows[0])
    suppressed = [r for r, p in zip(rows, care.points, strict=True) if p.suppressed]
    assert len(suppressed) == 2
    for row, point in zip(rows, care.points, strict=True):
        if point.suppressed:
            assert row["numerator"] == "*"
            assert row["numerator"] != f"{point.numerator:,.0f}"
        else:
            assert row["numerator"] == f"{point.numerator:,.0f}"
    assert rows[0]["period"] == "Q1 2014/15"
    assert rows[0]["value"] == "410.2"
    assert rows[0]["ci"] == "350.2 to 470.2"
    assert rows[0]["spc"] == "Common cause variation"
    dtoc_rows = chart_data_table(oxfordshire_profile.indicators[4])
    assert dtoc_rows[0]["ci"] == "–"
    assert dtoc_rows[0]["spc"] == "Special cause concern: a point outside the control limits"
    assert dtoc_rows[0]["vs_england"] == "Higher (by value; not tested)"
    stays = chart_data_table(oxfordshire_profile.indicators[3])
    assert stays[1]["value"] == "29.8%"
    assert stays[1]["vs_england"] == "Significantly better"
