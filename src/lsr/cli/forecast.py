"""``lsr forecast``: the winter forecast from today's state, from a daily situation file.

Reads the area's daily situation data (CSV, or the first sheet of an .xlsx; the columns of
docs/methods/flow-model.md, "Forecasting"), fits the model to the recent history, runs the
forecast (and, with lever options, the base on common random numbers) and prints an 80-column
summary, or strict JSON with ``--json``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lsr.cli.main import DbOption, console, friendly_errors

_COUNT = {"min": 0, "max": 100_000}


def _date_option(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def read_daily_file(path: Path) -> Any:
    """The daily situation file as text cells (a CSV, or the first sheet of an .xlsx), one line
    per problem: a missing or unreadable file is a ``ValueError`` naming it."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a readable daily situation file ({first})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _select_area(frame: Any, area: str, db: Path | None, source: str) -> Any:
    """The rows of ``area`` (a code in the file, or a name resolved through the store)."""
    if "area_code" not in frame.columns:
        raise ValueError(f"{source}: missing column(s): area_code")
    codes = frame["area_code"].str.strip()
    wanted = area.strip().upper()
    if wanted not in set(codes.str.upper()):
        from lsr.cli.main import open_store
        from lsr.data.queries import find_area

        con = open_store(db, read_only=True)
        try:
            wanted = find_area(con, area).upper()
        finally:
            con.close()
    rows = frame[codes.str.upper() == wanted]
    if rows.empty:
        found = ", ".join(sorted(set(codes))[:5]) or "none"
        raise LookupError(f"{source}: no rows for area {area!r} (areas in the file: {found})")
    return rows


def _ranges(days: list[date]) -> str:
    """``9-14 Dec 2024, 20 Dec 2024 - 3 Jan 2025``: runs of consecutive dates."""
    if not days:
        return "none"
    runs: list[tuple[date, date]] = []
    for d in days:
        if runs and d - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))

    def one(a: date, b: date) -> str:
        if a == b:
            return f"{a.day} {a:%b %Y}"
        if (a.month, a.year) == (b.month, b.year):
            return f"{a.day}-{b.day} {b:%b %Y}"
        return f"{a.day} {a:%b %Y} - {b.day} {b:%b %Y}"

    return ", ".join(one(a, b) for a, b in runs)


def _cell(row: Any, digits: int = 0) -> str:
    return f"{row['p50']:.{digits}f} ({row['p05']:.{digits}f}-{row['p95']:.{digits}f})"


def _weekly_table(result: Any) -> Table:
    from lsr.flow.forecast import weekly

    table = Table(title="Forecast by week: median (90% band)", title_justify="left")
    table.add_column("Week", no_wrap=True)
    columns = [
        ("occupancy_pct", "Occupancy %"),
        ("acute_occupied", "Beds occupied"),
        ("mffd", "Medically fit"),
        ("waiting_home_care", "Waiting HC"),
    ]
    frames = {m: weekly(result, m) for m, _ in columns}
    for _, label in columns:
        table.add_column(label, justify="right", no_wrap=True)
    first = frames["acute_occupied"]
    for i in range(len(first)):
        cells = []
        for m, _ in columns:
            row = frames[m].iloc[i]
            cells.append("n/a" if row["p50"] != row["p50"] else _cell(row))
        table.add_row(f"{first['start'].iloc[i]:%d %b}", *cells)
    return table


def _difference_table(result: Any) -> Table:
    import numpy as np

    table = Table(
        title="Levers minus base, paired by replication: mean (90% band)", title_justify="left"
    )
    table.add_column("Week", no_wrap=True)
    columns = [
        ("acute_occupied", "Beds"),
        ("mffd", "Med. fit"),
        ("waiting_home_care", "Wait HC"),
        ("waiting_step_down", "Wait SD"),
    ]
    for _, label in columns:
        table.add_column(label, justify="right", no_wrap=True)
    for w in range(0, len(result.dates), 7):
        week = result.dates[w : w + 7]
        cells = []
        for m, _ in columns:
            x = result.samples[m][:, w : w + 7] - result.base.samples[m][:, w : w + 7]
            per_rep = x.mean(axis=1)
            lo, hi = np.percentile(per_rep, [5, 95])
            cells.append(f"{per_rep.mean():+.0f} ({lo:+.0f}..{hi:+.0f})")
        table.add_row(f"{week[0]:%d %b}", *cells)
    return table


def _json(result: Any, levers: Any) -> dict[str, Any]:
    from dataclasses import asdict

    def bands(frame: Any) -> list[dict[str, Any]]:
        return frame.to_dict(orient="records") if frame is not None else []

    out: dict[str, Any] = {
        "area_code": result.area_code,
        "today": result.today,
        "beds_open": result.beds_open,
        "state": result.state.as_dict() | {"mffd_other": result.mffd_other},
        "days": len(result.dates),
        "replications": result.replications,
        "seed": result.seed,
        "levers": asdict(levers) if levers is not None else None,
        "dates": result.dates,
        "above_92": result.above_92,
        "above_100": result.above_100,
        "p_above_92": [float(v) for v in result.p_above_92],
        "p_above_100": [float(v) for v in result.p_above_100],
        "bands": bands(result.bands),
        "notes": result.notes,
    }
    if result.base is not None:
        out["base"] = {
            "above_92": result.base.above_92,
            "above_100": result.base.above_100,
            "bands": bands(result.base.bands),
        }
        out["difference"] = bands(result.difference)
    return out


@friendly_errors
def forecast(
    area: Annotated[
        str, typer.Option("--area", help="Council area: its ONS code in the file, or its name.")
    ],
    daily: Annotated[
        Path,
        typer.Option(
            "--daily",
            help="Daily situation data (CSV, or .xlsx first sheet): one row per area per day.",
            dir_okay=False,
        ),
    ],
    days: Annotated[
        int, typer.Option("--days", help="Days to forecast after today.", min=1, max=366)
    ] = 42,
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Replications.", min=1, max=10_000)
    ] = 40,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", min=0)] = 2019,
    extra_home_care: Annotated[
        int, typer.Option("--extra-home-care", help="Extra home-care packages.", **_COUNT)
    ] = 0,
    extra_home_care_from: Annotated[
        str | None, typer.Option("--extra-home-care-from", help="From this date (YYYY-MM-DD).")
    ] = None,
    extra_step_down: Annotated[
        int, typer.Option("--extra-step-down", help="Extra step-down beds.", **_COUNT)
    ] = 0,
    extra_step_down_from: Annotated[
        str | None, typer.Option("--extra-step-down-from", help="From this date (YYYY-MM-DD).")
    ] = None,
    surge: Annotated[
        float, typer.Option("--surge", help="Extra share of admissions (0.1 = 10% more).")
    ] = 0.0,
    surge_from: Annotated[
        str | None, typer.Option("--surge-from", help="Surge from this date (YYYY-MM-DD).")
    ] = None,
    surge_weeks: Annotated[
        int | None, typer.Option("--surge-weeks", help="Surge for this many weeks.")
    ] = None,
    extra_assessors: Annotated[
        int, typer.Option("--extra-assessors", help="Extra assessors (CHC).", **_COUNT)
    ] = 0,
    extra_assessors_from: Annotated[
        str | None, typer.Option("--extra-assessors-from", help="From this date (YYYY-MM-DD).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print strict JSON instead.")] = False,
    db: DbOption = None,
) -> None:
    """Forecast the next weeks from today's state (the last day of --daily), with 90% bands,
    the days above 92% and 100% occupancy, and what-if levers on common random numbers."""
    from lsr.cli.output import json_text
    from lsr.flow.forecast import Levers, area_model, validate_daily
    from lsr.flow.forecast import forecast as run_forecast

    levers_given = any(
        (extra_home_care, extra_step_down, surge, extra_assessors, surge_weeks is not None)
    )
    levers = (
        Levers(
            extra_home_care=extra_home_care,
            extra_home_care_from=_date_option("--extra-home-care-from", extra_home_care_from),
            extra_step_down=extra_step_down,
            extra_step_down_from=_date_option("--extra-step-down-from", extra_step_down_from),
            surge=surge,
            surge_from=_date_option("--surge-from", surge_from),
            surge_weeks=surge_weeks,
            extra_assessors=extra_assessors,
            extra_assessors_from=_date_option("--extra-assessors-from", extra_assessors_from),
        )
        if levers_given
        else None
    )
    frame = read_daily_file(daily)
    rows = _select_area(frame, area, db, str(daily))
    typed = validate_daily(rows, source=str(daily), row_offset=2)
    model = area_model(typed)
    result = run_forecast(model, days=days, replications=replications, seed=seed, levers=levers)
    if json_out:
        typer.echo(json_text(_json(result, levers)))
        return
    s = model.state
    occ = s.acute_occupied + model.mffd_other
    pct = f" ({occ / model.beds_open:.0%})" if model.beds_open else ""
    console.print(
        f"[bold]Forecast for {model.area_code}[/], {days} days from {result.dates[0]:%d %b %Y}, "
        f"{replications} replications",
        highlight=False,
    )
    console.print(
        f"Today ({model.today:%d %b %Y}): {occ} of {model.beds_open} beds occupied{pct}; "
        f"{s.mffd + model.mffd_other} medically fit ({s.waiting_home_care} for home care, "
        f"{s.waiting_step_down} step-down, {s.waiting_care_home} care home, "
        f"{s.awaiting_assessment} assessment, {model.mffd_other} other); in use: "
        f"{s.in_home_care} home care, {s.in_step_down} step-down, {s.in_care_home} care home.",
        highlight=False,
    )
    console.print(f"Median occupancy above 92%: {_ranges(result.above_92)}", highlight=False)
    console.print(f"Median occupancy above 100%: {_ranges(result.above_100)}", highlight=False)
    if result.base is not None:
        console.print(
            f"Without the levers, above 92%: {_ranges(result.base.above_92)}; above 100%: "
            f"{_ranges(result.base.above_100)}",
            highlight=False,
        )
    console.print(_weekly_table(result))
    if result.base is not None:
        console.print(_difference_table(result))
    console.print("[bold]Assumptions[/]")
    for note in result.notes:
        console.print(f"- {note}", highlight=False)
