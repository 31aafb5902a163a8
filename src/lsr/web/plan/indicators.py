"""The area's indicator profile for the overview page and the progress report.

Computed from the DuckDB store (``settings.LSR_DB``, default: the embedded store) with the same
functions as ``lsr profile``; the national table is computed once per process and each area's
rendered context (summary table, charts, sentences) is cached.

The store is read through brief read-only connections (:func:`read_store`), so that ``lsr``
commands can write to it while the server runs. While another process holds it read-write (a
load's or a sweep's short write transaction), a read waits up to :func:`store_wait` seconds and
then raises :class:`~lsr.data.store.StoreBusy`, which the views turn into a "busy, try again in
a moment" page (:mod:`lsr.web.plan.store_busy`); nothing is cached from a failed read.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from lsr.core.profile import ProfileTable, area_profile, compute_profile_table
from lsr.core.profile_types import AreaProfile
from lsr.data.evidence import EvidenceInputs, with_evidence

_lock = threading.Lock()


#: Seconds a page waits for a store another process is writing to (``$LSR_WEB_STORE_WAIT``).
DEFAULT_STORE_WAIT = 5.0


def store_path() -> Path:
    from lsr.data.store import default_db_path

    configured = getattr(settings, "LSR_DB", None)
    return Path(configured) if configured else default_db_path()


def store_wait() -> float:
    """Seconds a request waits for the store while another process writes to it:
    ``$LSR_WEB_STORE_WAIT`` or :data:`DEFAULT_STORE_WAIT` (a bad value gives the default)."""
    try:
        value = float(os.environ.get("LSR_WEB_STORE_WAIT", DEFAULT_STORE_WAIT))
    except ValueError:
        return DEFAULT_STORE_WAIT
    return min(max(value, 0.0), 60.0)


def read_store(path: Path) -> Any:
    """A read-only connection to the store (built first if missing: one process builds, the
    others wait), waiting :func:`store_wait` seconds for a writer; close it soon."""
    from lsr.data.default import ensure_default_store
    from lsr.data.store import connect

    if not path.exists():
        ensure_default_store(path, wait=store_wait())
    return connect(path, read_only=True, wait=store_wait())


@lru_cache(maxsize=4)
def _national(
    path: str,
) -> tuple[ProfileTable, dict[str, str], dict[str, list[str]], str, EvidenceInputs]:
    from lsr.data import queries

    con = read_store(Path(path))
    try:
        counts = queries.indicator_counts(con)
        groups, method = queries.comparator_groups(con)
        names = queries.area_names(con)
        inputs = EvidenceInputs(con)
        inputs.prefetch()  # the national inputs of every area's evidence, read once
    finally:
        con.close()
    return compute_profile_table(counts, groups), names, groups, method, inputs


@lru_cache(maxsize=64)
def _profile(path: str, area_code: str) -> AreaProfile:
    table, names, groups, method, inputs = _national(path)
    if area_code not in names:
        raise LookupError(f"area {area_code} is not in the store {path}")
    profile = area_profile(table, area_code, names, groups, method)
    con = read_store(Path(path))  # briefly: per-area lookups of the evidence
    try:
        return with_evidence(profile, con, inputs.using(con))
    finally:
        con.close()


@lru_cache(maxsize=64)
def _context(path: str, area_code: str, charts: bool) -> dict[str, Any]:
    from lsr.report.render import build_context

    return build_context(_profile(path, area_code), charts=charts)


def area_profile_for(area_code: str) -> AreaProfile:
    with _lock:
        return _profile(str(store_path()), area_code)


def profile_context(area_code: str, *, charts: bool = True) -> dict[str, Any]:
    """``lsr.report.render.build_context`` for the area, cached (``charts=False`` is faster)."""
    with _lock:
        return _context(str(store_path()), area_code, charts)


def _cells(columns: Any, rows: Any) -> dict[str, Any]:
    return {
        "headers": [header for _key, header in columns],
        "cells": [[row.get(key, "") for key, _header in columns] for row in rows],
    }


def _figure_cells(fig: dict[str, Any]) -> dict[str, Any]:
    from lsr.report.sentences import SYNTHETIC_LABEL

    caption = f"Data for {fig['caption']}"
    if fig.get("synthetic"):
        caption += f" ({SYNTHETIC_LABEL})"
    return {**fig, **_cells(fig["columns"], fig["rows"]), "data_caption": caption}


def with_part_cells(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's parts (:func:`lsr.report.render.build_context`) with every table as
    ``headers`` and rows of ``cells``, for Django templates: indicator figures, section
    figures and section tables."""
    out = []
    for part in parts:
        items = []
        for item in part["items"]:
            if item["kind"] == "figure":
                fig = item["figure"]
                items.append({"kind": "figure", "figure": _figure_cells(fig)})
            else:
                section = item["section"]
                items.append(
                    {
                        "kind": "section",
                        "section": section,
                        "figures": [_figure_cells(fig) for fig in item["figures"]],
                        "tables": [
                            {"caption": t.caption, **_cells(t.columns, t.rows)}
                            for t in section.tables
                        ],
                    }
                )
        out.append({**part, "items": items})
    return out


def with_icons(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The profile's summary rows with their Making Data Count icons as SVG (Django templates
    cannot call :func:`lsr.report.render.icon_svg`)."""
    from lsr.report.render import icon_svg

    return [
        {
            **row,
            "variation_svg": icon_svg(row["variation"]),
            "assurance_svg": icon_svg(row["assurance"]),
        }
        for row in summary
    ]


@lru_cache(maxsize=64)
def _section_html(path: str, area_code: str) -> str:
    from django.template.loader import render_to_string

    context = _context(path, area_code, True)
    summary = with_icons(context.get("summary", []))
    keys = ("overview", "synthetic_label", "synthetic_names", "sources", "profile")
    return render_to_string(
        "plan/_indicators.html",
        {
            "profile_error": "",
            "summary": summary,
            "parts": with_part_cells(context.get("parts", [])),
            **{k: context.get(k) for k in keys},
        },
    )


def indicator_section_html(area_code: str) -> str:
    """The overview's indicator section (summary table, charts, sentences, sources) as HTML.

    It is the same for every user, so it is rendered once per store and area and cached; a
    store without the area gives a warning instead (not cached: the store may be loaded later).
    """
    from django.template.loader import render_to_string

    try:
        with _lock:
            return _section_html(str(store_path()), area_code)
    except LookupError as exc:
        return render_to_string("plan/_indicators.html", {"profile_error": str(exc)})


def clear_cache() -> None:
    _section_html.cache_clear()
    _national.cache_clear()
    _profile.cache_clear()
    _context.cache_clear()
