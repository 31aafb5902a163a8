"""HTML and PDF rendering: golden file, accessibility checks, PDF tagging and metadata.

Golden file
-----------
``tests/report/golden/profile.html`` is the HTML rendered for the fixed Oxfordshire profile
(conftest) with the generated date fixed at 15 January 2019. Chart SVGs depend on the installed
fonts and vl-convert version, so each ``<svg class="lsr-chart" ...>...</svg>`` is replaced by a
placeholder that keeps only its ``aria-label`` before comparing; the SVGs are tested separately
(below and in ``test_report_charts.py``).

To regenerate the golden file after an intended change, run::

    LSR_UPDATE_GOLDEN=1 .venv/bin/pytest tests/report -k golden

and review the diff before committing.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from lsr.report.render import render_html, render_profile

GOLDEN = Path(__file__).parent / "golden" / "profile.html"
CHART_RE = re.compile(r'<svg\b(?=[^>]*class="lsr-chart")[^>]*>.*?</svg>', re.S)
ARIA_RE = re.compile(r'aria-label="([^"]*)"')


def normalise(html_text: str) -> str:
    """Replace each chart SVG by a placeholder carrying its aria-label."""

    def placeholder(match: re.Match[str]) -> str:
        label = ARIA_RE.search(match.group(0))
        text = label.group(1) if label else ""
        return f'<svg class="lsr-chart" role="img" aria-label="{text}"><!-- chart --></svg>'

    return CHART_RE.sub(placeholder, html_text)


def test_golden_html(rendered):
    actual = normalise(rendered["html"])
    if os.environ.get("LSR_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
    assert GOLDEN.exists(), "golden file missing: run with LSR_UPDATE_GOLDEN=1 to create it"
    expected = GOLDEN.read_text(encoding="utf-8")
    assert actual == expected


def test_html_is_deterministic_without_charts(oxfordshire_profile):
    from datetime import date

    a = render_html(oxfordshire_profile, date(2019, 1, 15), charts=False)
    b = render_html(oxfordshire_profile, date(2019, 1, 15), charts=False)
    assert a == b
    assert "15 January 2019" in a


def test_charts_are_inline_svgs_with_unique_ids(rendered):
    html_text = rendered["html"]
    charts = CHART_RE.findall(html_text)
    assert len(charts) == 6
    ids = re.findall(r'\bid="([^"]+)"', html_text)
    assert len(ids) == len(set(ids)), "duplicate ids in the page"
    for n, svg in enumerate(charts, start=1):
        assert f'<title id="fig{n}-title">Figure {n}: ' in svg
        assert f'<desc id="fig{n}-desc">' in svg


def test_self_contained(rendered):
    html_text = rendered["html"]
    assert "<link" not in html_text
    assert "<script" not in html_text
    assert not re.search(r'(src|href)="(https?:)?//', html_text)
    assert "@import" not in html_text
    assert "url(http" not in html_text


def test_autoescape(oxfordshire_profile, with_indicator):
    from lsr.core.profile_types import AreaProfile

    evil = AreaProfile(**{**oxfordshire_profile.__dict__, "area_name": "<script>alert(1)</script>"})
    html_text = render_html(evil, charts=False)
    assert "<script>alert(1)</script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text


class _Audit(HTMLParser):
    """Collects what the accessibility checks need."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.headings: list[int] = []
        self.svgs: list[dict[str, str | None]] = []
        self.tables: list[dict[str, object]] = []
        self.landmarks: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.text_fills: list[str] = []
        self._table_stack: list[dict[str, object]] = []
        self._last_tag_in_table: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "html":
            self.html_lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("header", "main", "footer", "nav"):
            self.landmarks.append(tag)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "svg":
            self.svgs.append(a)
        if tag == "text" and a.get("fill"):
            self.text_fills.append(str(a["fill"]).lower())
        if tag == "table":
            table: dict[str, object] = {"first_child": None, "th_scopes": []}
            self._table_stack.append(table)
            self.tables.append(table)
        elif self._table_stack:
            table = self._table_stack[-1]
            if table["first_child"] is None:
                table["first_child"] = tag
            if tag == "th":
                scopes = table["th_scopes"]
                assert isinstance(scopes, list)
                scopes.append(a.get("scope"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table_stack:
            self._table_stack.pop()


@pytest.fixture(scope="module")
def audit(rendered) -> _Audit:
    parser = _Audit()
    parser.feed(rendered["html"])
    return parser


def test_lang_and_landmarks(audit):
    assert audit.html_lang == "en-GB"
    for landmark in ("header", "main", "footer"):
        assert landmark in audit.landmarks
    assert "#main" in audit.links and "main" in audit.ids  # skip link with a target


def test_headings_do_not_skip_levels(audit):
    assert audit.headings[0] == 1
    assert audit.headings.count(1) == 1
    for previous, current in zip(audit.headings, audit.headings[1:], strict=False):
        assert current <= previous + 1, audit.headings


def test_every_img_svg_has_label_and_decorative_svgs_are_hidden(audit):
    for svg in audit.svgs:
        if svg.get("role") == "img":
            assert svg.get("aria-label"), svg
        else:
            assert svg.get("aria-hidden") == "true", svg
    assert sum(1 for s in audit.svgs if s.get("role") == "img") == 6


def test_every_table_has_caption_and_scoped_headers(audit):
    # the summary, a short table beside each of the 6 charts and each whole table in the appendix
    assert len(audit.tables) == 13
    for table in audit.tables:
        assert table["first_child"] == "caption"
        scopes = table["th_scopes"]
        assert isinstance(scopes, list) and scopes
        assert all(scope in ("col", "row") for scope in scopes)


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_have_contrast_and_grey_is_never_text(rendered, audit):
    html_text = rendered["html"]
    css = re.search(r"<style>(.*?)</style>", html_text, re.S)
    assert css is not None
    css_text = css.group(1).lower()
    variables = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-f]{6})", css_text))
    text_colours = []
    for value in re.findall(r"(?<![\w-])color:\s*([^;}\n]+)", css_text):
        value = value.strip()
        var = re.fullmatch(r"var\((--[\w-]+)\)", value)
        if var:
            text_colours.append(variables[var.group(1)])
        elif re.fullmatch(r"#[0-9a-f]{6}", value):
            text_colours.append(value)
    assert text_colours
    for colour in text_colours:
        assert colour != "#a6a6a6"
        # every text colour is used on white or a very light background
        assert _contrast(colour, "#ffffff") >= 4.5, colour
        assert _contrast(colour, "#f0f4f5") >= 4.5, colour
    assert "#a6a6a6" not in audit.text_fills
    assert not re.search(r"(?<![\w-])color:\s*#a6a6a6", html_text, re.I)


def test_synthetic_indicator_is_labelled_everywhere(rendered):
    html_text = normalise(rendered["html"])
    section = html_text.split('id="figure-6"', 1)[1].split("</section>", 1)[0]
    label = "Synthetic data — not real figures"
    assert section.count(label) >= 3  # banner, figure caption, table caption
    assert re.search(r"<caption[^>]*>[^<]*" + label, section)
    assert re.search(r"<figcaption>[^<]*" + label, section)
    for sentence in re.findall(r"<p>([^<]*)</p>", section.split('class="sentences"', 1)[1])[:4]:
        assert sentence.startswith("Synthetic data")
    summary = html_text.split('id="summary-heading"', 1)[1].split("</table>", 1)[0]
    row6 = summary.split("6. Emergency readmissions", 1)[1].split("</tr>", 1)[0]
    assert label in row6
    assert "SYNTHETIC DATA" in CHART_RE.findall(rendered["html"])[5]
    # the real indicators carry no such label
    section1 = html_text.split('id="figure-1"', 1)[1].split("</section>", 1)[0]
    assert label not in section1


def test_suppressed_numerators_are_not_shown(rendered, oxfordshire_profile):
    html_text = rendered["html"]
    section = html_text.split('id="figure-3-data"', 1)[1].split("</section>", 1)[0]
    care = oxfordshire_profile.indicators[2]
    for point in care.points:
        row = section.split(f'<th scope="row">{point.period_label}</th>', 1)[1].split("</tr>")[0]
        first_cell = re.search(r"<td>([^<]*)</td>", row)
        assert first_cell is not None
        if point.suppressed:
            assert first_cell.group(1) == "*"
        else:
            assert first_cell.group(1) == f"{point.numerator:,.0f}"


def test_short_tables_beside_charts_and_whole_tables_in_the_appendix(rendered):
    html_text = rendered["html"]
    body, appendix = html_text.split('id="appendix"', 1)
    figure = body.split('id="figure-5"', 1)[1].split("</section>", 1)[0]
    assert figure.count('<th scope="row">') == 6  # the latest 6 periods
    assert "latest 6 of 16 periods" in figure
    assert 'href="#figure-5-data"' in figure
    whole = appendix.split('id="figure-5-data"', 1)[1].split("</section>", 1)[0]
    assert whole.count('<th scope="row">') == 16
    assert 'href="#figure-5"' in whole


def test_parts_put_real_data_before_synthetic(rendered):
    html_text = rendered["html"]
    real = html_text.index('id="part-real"')
    synthetic = html_text.index('id="part-synthetic"')
    assert real < synthetic < html_text.index('id="appendix"')
    assert html_text.index('id="figure-5"') < synthetic < html_text.index('id="figure-6"')


def test_summary_icons_have_text_labels(rendered):
    summary = rendered["html"].split('id="summary-heading"', 1)[1].split("</table>", 1)[0]
    assert "Special cause concern (high)" in summary
    assert "Special cause improvement (low)" in summary
    assert "Consistently fails the target" in summary
    assert summary.count('class="icon-label"') == 12


def test_pdf_is_readable_titled_and_tagged(rendered):
    reader = pypdf.PdfReader(rendered["pdf"])
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Oxfordshire" in text
    assert "Figure 5" in text
    assert "Synthetic data — not real figures" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Oxfordshire: local data profile"
    catalog = reader.trailer["/Root"]
    assert catalog.get("/Lang") == "en-GB"
    mark_info = catalog.get("/MarkInfo")
    assert (mark_info is not None and mark_info.get("/Marked") is True) or (
        "/StructTreeRoot" in catalog
    )
    assert "/StructTreeRoot" in catalog


def test_render_profile_formats(oxfordshire_profile, tmp_path, rendered):
    assert [p.name for p in rendered["paths"]] == ["profile.html", "profile.pdf"]
    paths = render_profile(oxfordshire_profile, tmp_path / "out", ("html",))
    assert [p.name for p in paths] == ["profile.html"]
    assert not (tmp_path / "out" / "profile.pdf").exists()
    with pytest.raises(ValueError, match="unsupported format"):
        render_profile(oxfordshire_profile, tmp_path, ("docx",))
