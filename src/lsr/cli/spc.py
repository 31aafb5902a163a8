"""``lsr spc``: run the Making Data Count XmR engine on any series in a CSV file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from lsr.cli.main import console, friendly_errors
from lsr.cli.output import dump_json
from lsr.data.errors import LoadError, quote


def read_series(path: Path, value_column: str | None, period_column: str | None) -> pd.DataFrame:
    """Read a series: a value column (default: the last numeric column) and an optional period."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot read as CSV ({exc})") from None
    if value_column is None:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        if not numeric:
            raise LoadError(path, "no numeric column found; name one with --value", row=1)
        value_column = numeric[-1]
    if value_column not in frame.columns:
        raise LoadError(path, "column not found", row=1, field=value_column)
    values = pd.to_numeric(frame[value_column], errors="coerce")
    bad = values.isna() | ~values.abs().lt(float("inf"))
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        raw = frame[value_column].iloc[row - 2]
        raise LoadError(path, f"not a number: {quote(raw)}", row=row, field=value_column)
    if period_column is None:
        for candidate in ("period", "date", "month"):
            if candidate in frame.columns:
                period_column = candidate
                break
    if period_column is not None and period_column not in frame.columns:
        raise LoadError(path, "column not found", row=1, field=period_column)
    periods = (
        frame[period_column].astype(str)
        if period_column
        else pd.Series([str(i + 1) for i in range(len(frame))])
    )
    return pd.DataFrame({"period": periods.to_numpy(), "value": values.to_numpy(float)})


@friendly_errors
def spc(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a value column and optionally a period.", exists=True, dir_okay=False
        ),
    ],
    value: Annotated[
        str | None, typer.Option("--value", help="Value column (default: last numeric column).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Period column (default: period/date/month if present)."),
    ] = None,
    improvement: Annotated[str, typer.Option(help="increase, decrease or neutral.")] = "neutral",
    target: Annotated[float | None, typer.Option(help="Target, for the assurance icon.")] = None,
    baseline: Annotated[
        int | None, typer.Option(help="Fix limits on the first N points (N >= 12).")
    ] = None,
    rebase: Annotated[
        list[str] | None, typer.Option(help="Start a new segment at this period (repeatable).")
    ] = None,
    trend_length: Annotated[int, typer.Option(help="Points in a trend (6 or 7).")] = 7,
    shift_length: Annotated[int, typer.Option(help="Points in a shift (6 or 7).")] = 7,
    two_of_three: Annotated[
        str, typer.Option(help="classic or nhse_2023 (counts points beyond the limits).")
    ] = "classic",
    two_of_three_window: Annotated[
        str,
        typer.Option(
            help="same_side (NHS England's Single Chart tool: all three points on one side of "
            "the centre) or any_side (the Power BI visual: the third point anywhere)."
        ),
    ] = "same_side",
    screen: Annotated[
        bool, typer.Option("--screen/--no-screen", help="Screen out moving ranges >= 3.267 x mean.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Statistical process control (XmR, NHS Making Data Count rules) for one series."""
    from lsr.core.spc import Direction, SpcOptions, xmr

    series = read_series(file, value, period)
    try:
        direction = Direction(improvement)
    except ValueError:
        raise ValueError("--improvement must be increase, decrease or neutral") from None
    if two_of_three not in ("classic", "nhse_2023"):
        raise ValueError("--two-of-three must be classic or nhse_2023")
    if two_of_three_window not in ("same_side", "any_side"):
        raise ValueError("--two-of-three-window must be same_side or any_side")
    labels = list(series["period"])
    rebase_at = []
    for r in rebase or []:
        if r not in labels:
            raise ValueError(f"--rebase {r!r} is not a period in {file.name}")
        rebase_at.append(labels.index(r))
    options = SpcOptions(
        improvement=direction,
        target=target,
        baseline_points=baseline,
        rebase_at=tuple(sorted(rebase_at)),
        trend_length=trend_length,
        shift_length=shift_length,
        two_of_three_variant=two_of_three,  # type: ignore[arg-type]
        screen_moving_ranges=screen,
        two_of_three_window=two_of_three_window,  # type: ignore[arg-type]
    )
    result = xmr(series["value"].to_numpy(float), options)
    frame = result.to_frame()
    frame.insert(0, "period", labels)
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
        return
    if fmt == "json":
        payload = {
            "rule_set": result.rule_set,
            "variation_icon": result.variation_icon,
            "assurance_icon": result.assurance_icon,
            "points": json.loads(frame.to_json(orient="records")),
        }
        dump_json(payload, sys.stdout)
        return
    if fmt != "table":
        raise ValueError("--format must be table, csv or json")
    table = Table(title=f"SPC: {file.name}")
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)
    console.print(f"Rule set: {result.rule_set}", highlight=False)
    console.print(f"Variation icon (last point): {result.variation_icon}", highlight=False)
    if result.assurance_icon:
        console.print(f"Assurance icon: {result.assurance_icon}", highlight=False)
