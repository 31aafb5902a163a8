"""Evidence sections of the profile report, besides the indicator figures: what each section
builder hands the templates.

A section builder (one module per section, e.g. :mod:`lsr.report.delay_reasons`) turns the
section's computed result (a dataclass from :mod:`lsr.core`) into a :class:`ReportSection`:
a title, the report themes it is evidence for, whether its data are real, its source, the
plain-English sentences, and figures. Every figure carries its chart as an accessible SVG
(:func:`lsr.report.svg.accessible_svg`), a text alternative, and its data as a table: the whole
table (printed in the appendix of the PDF) and an optional short table (the latest rows) kept
beside the chart. One template partial (``_section.html.j2``) renders any section, so the HTML
report, the PDF and the web overview show sections the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

__all__ = ["ReportSection", "SectionFigure", "SectionTable", "Status"]

Status = Literal["real", "synthetic", "approximation", "not available"]
"""``real``: published data; ``approximation``: real data re-apportioned (say how in
``notes``); ``synthetic``: generated, labelled everywhere; ``not available``: no data for this
area (say why in ``notes``)."""


@dataclass(frozen=True)
class SectionTable:
    """A data table: ``columns`` are ``(key, header)`` pairs, ``rows`` map keys to cell text
    (already formatted: rounding, suppression and "–" for missing done by the builder). The
    first column is the row header."""

    caption: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class SectionFigure:
    """One chart with its text alternative and its data."""

    anchor: str
    """Unique on the page, e.g. ``"reasons-share"``; also the SVG id prefix."""
    title: str
    alt_text: str
    """What the chart shows, in words (also the SVG's ``aria-label`` and ``<desc>``)."""
    table: SectionTable
    """The chart's whole data (in the PDF it is printed in the appendix)."""
    svg: Markup | None = None
    """The chart (``None`` when charts are not drawn, e.g. in fast tests)."""
    short_table: SectionTable | None = None
    """A few rows (e.g. the latest periods) kept beside the chart in the PDF."""


@dataclass(frozen=True)
class ReportSection:
    """One evidence section of the report."""

    id: str
    """Anchor and JSON key, e.g. ``"delay-reasons"``."""
    title: str
    status: Status
    source: str
    themes: tuple[str, ...] = ()
    """The report's themes this section is evidence for (e.g. ``"Market shaping"``)."""
    sentences: tuple[str, ...] = ()
    figures: tuple[SectionFigure, ...] = ()
    tables: tuple[SectionTable, ...] = ()
    """Tables that belong to no chart (e.g. a council's rank among all councils)."""
    notes: tuple[str, ...] = field(default=())
    """Caveats: approximations, missing periods, why something is not compared."""
