"""SVG charts for HTML pages: render a Vega-Lite chart without a browser, make its element ids
unique on the page, and give it a text alternative (``role="img"``, ``aria-label``,
``<title>`` and ``<desc>``)."""

from __future__ import annotations

import html
import re
from typing import Any

import vl_convert as vlc
from markupsafe import Markup

_ID_RE = re.compile(r'\bid="([^"]+)"')


def prefix_ids(svg: str, prefix: str) -> str:
    """Make every ``id`` in an SVG unique to this chart (several SVGs share one HTML page)."""
    for old in sorted(set(_ID_RE.findall(svg)), key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg


def vega_svg(spec: dict[str, Any], prefix: str) -> str:
    """A Vega-Lite spec rendered to SVG (no XML declaration; ids prefixed with ``prefix``)."""
    svg = vlc.vegalite_to_svg(spec)
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    return prefix_ids(svg, prefix)


def accessible_svg(svg: str, label: str, title: str, prefix: str) -> Markup:
    """Give a chart SVG ``role="img"``, an ``aria-label`` and ``<title>``/``<desc>``."""
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    attrs = (
        f' role="img" aria-label="{html.escape(label, quote=True)}"'
        f' aria-labelledby="{title_id} {desc_id}" focusable="false"'
    )
    svg = re.sub(r'\sclass="marks"', ' class="lsr-chart"', svg, count=1)
    svg = re.sub(r"<svg\b", "<svg" + attrs, svg, count=1)
    head = (
        f'<title id="{title_id}">{html.escape(title)}</title>'
        f'<desc id="{desc_id}">{html.escape(label)}</desc>'
    )
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + head, svg, count=1)
    return Markup(svg)
