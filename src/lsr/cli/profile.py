"""``lsr profile`` and ``lsr areas``: an area's data profile as HTML, PDF and JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lsr.cli.main import DbOption, console, friendly_errors, open_store
from lsr.cli.output import dump_json, make_out_dir, prepare_out_dir, write_json


def _parse_formats(value: str) -> list[str]:
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in formats if f not in {"html", "pdf", "json"}]
    if bad or not formats:
        raise ValueError(f"--format takes html, pdf and/or json separated by commas, not {value!r}")
    return formats


def _parse_targets(items: list[str]) -> dict[str, float]:
    from lsr.core.indicators import get_indicator

    targets: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--target takes ID=VALUE, e.g. dtoc_18=10, not {item!r}")
        get_indicator(key.strip())  # a KeyError naming the valid ids
        try:
            targets[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--target {item!r}: {value!r} is not a number") from None
    return targets


def _check_periods(con: Any) -> None:
    """Refuse a store holding counts for periods outside the loaders' window (loaded before
    periods were checked): one such row once made the profile expand millions of empty months."""
    from lsr.data.periods import FIRST_MONTH, last_month, window_text

    row = con.execute(
        "SELECT count(*), string_agg(DISTINCT source, ', ') FROM indicator_counts "
        "WHERE period < ? OR period > ?",
        [FIRST_MONTH, last_month()],
    ).fetchone()
    if row and row[0]:
        from lsr.data.errors import quote

        raise ValueError(
            f"the store holds {row[0]:,} indicator count(s) for periods outside "
            f"{window_text()} (from {quote(row[1] or 'unknown')}), loaded before periods were "
            "checked; load the corrected files into a new store (lsr init --empty)"
        )


@friendly_errors
def profile(
    area: Annotated[str, typer.Option("--area", "-a", help="Council name or ONS code.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for the report (default: ./profile).", file_okay=False
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: html, pdf, json.")
    ] = "html,pdf",
    confidence: Annotated[
        float, typer.Option(help="Confidence level for intervals: 0.95 or 0.998.")
    ] = 0.95,
    target: Annotated[
        list[str] | None,
        typer.Option(
            help="Target for an indicator's assurance icon, as ID=VALUE (repeatable), "
            "e.g. dtoc_18=10.",
        ),
    ] = None,
    population_year: Annotated[
        int | None,
        typer.Option(
            "--population-year",
            help="Use this year's ONS mid-year estimate for every period's denominator (e.g. "
            "2017 to reproduce a report made with mid-2017 estimates). Default: each period's "
            "own year, or the latest earlier estimate.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Build the data profile of one area: six indicators against England, comparators and
    the area's own history."""
    from lsr.core.profile import ProfileSettings, area_profile, compute_profile_table
    from lsr.data import queries
    from lsr.data.evidence import with_evidence

    formats = _parse_formats(fmt)
    targets = _parse_targets(target or [])
    if not 0.5 < confidence < 1:
        raise ValueError("--confidence must be between 0.5 and 1, for example 0.95")
    to_stdout = formats == ["json"] and out is None
    out_dir = out or Path("profile")
    if not to_stdout:  # an unwritable --out fails now, not after the work
        prepare_out_dir(out_dir)
    con = open_store(db)
    try:
        _check_periods(con)
        code = queries.find_area(con, area)
        if population_year is not None:
            years = queries.population_years(con)
            if population_year not in years:
                listed = ", ".join(str(y) for y in years) or "none"
                raise ValueError(
                    f"--population-year {population_year}: the store has no population "
                    f"estimates for {population_year} (it has: {listed})"
                )
        counts = queries.indicator_counts(con, population_year=population_year)
        groups, method = queries.comparator_groups(con)
        names = queries.area_names(con)
        with console.status("Computing the national profile..."):
            table = compute_profile_table(
                counts, groups, ProfileSettings(confidence=confidence, targets=targets)
            )
            result = with_evidence(area_profile(table, code, names, groups, method), con)
    finally:
        con.close()
    if to_stdout:
        dump_json(result.to_dict(), sys.stdout)
        return
    make_out_dir(out_dir)
    written: list[Path] = []
    if "json" in formats:
        written.append(write_json(out_dir / "profile.json", result.to_dict()))
    report_formats = [f for f in formats if f != "json"]
    if report_formats:
        from lsr.report.render import render_profile

        with console.status("Rendering the report..."):
            written += render_profile(result, out_dir, report_formats)
    for path in written:
        console.print(f"Wrote {path}", highlight=False)


@friendly_errors
def areas(db: DbOption = None) -> None:
    """List the areas in the store with their codes."""
    from lsr.data import queries

    con = open_store(db)
    try:
        names = queries.area_names(con)
    finally:
        con.close()
    table = Table("code", "name", title=f"{len(names)} areas")
    for code, name in names.items():
        table.add_row(code, name)
    console.print(table)
