"""``lsr load ...``: load national workbooks, population, counts, episodes and comparators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from lsr.data.loading import LoadSummary

from lsr.cli.main import (
    DbOption,
    SkipBadOption,
    console,
    friendly_errors,
    open_store,
    progress_bar,
)

app = typer.Typer(
    help="Load data into the store (each file in one transaction).", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="File to load.")]


def _report(summary: object) -> None:
    """The summary as plain text (file names are not Rich markup), lines not wrapped."""
    from rich.markup import escape

    console.print(escape(str(summary)), highlight=False, soft_wrap=True)


def _load_many(
    db: Path | None, files: list[Path], load: Callable[..., LoadSummary], **options: Any
) -> LoadSummary:
    """Open the store and run ``load(con, files, progress=..., **options)`` under a progress
    bar that moves once per file read."""
    con = open_store(db)
    try:
        with progress_bar() as bar:
            task = bar.add_task("Reading files", total=len(files))

            def tick(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, total=total, description=f"Reading {name}")

            return load(con, files, progress=tick, **options)
    finally:
        con.close()


@app.command("dtoc")
@friendly_errors
def load_dtoc_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="NHS England 'Total Delayed Days Local Authority' (LA Type B) .xls workbooks, "
            "any months April 2011 to February 2020.",
        ),
    ],
    skip_bad: SkipBadOption = False,
    db: DbOption = None,
) -> None:
    """Load NHS England delayed transfers of care workbooks (any month, April 2011 to February
    2020, every layout). Every file is checked before anything is written."""
    from lsr.data.sources.dtoc import load_dtoc

    summary = _load_many(db, files, load_dtoc, skip_bad=skip_bad)
    _report(summary)


@app.command("counts")
@friendly_errors
def load_counts_command(file: FileArg, db: DbOption = None) -> None:
    """Load a tidy table of indicator numerators and denominators (CSV or Parquet)."""
    from lsr.data.counts import load_counts

    con = open_store(db)
    try:
        summary = load_counts(con, file)
    finally:
        con.close()
    _report(summary)


@app.command("episodes")
@friendly_errors
def load_episodes_command(
    path: Annotated[
        Path, typer.Argument(exists=True, help="Parquet/CSV file or folder of Parquet files.")
    ],
    db: DbOption = None,
) -> None:
    """Load person-level A&E attendances and hospital spells, deriving indicators 1-4 and 6."""
    from lsr.data.episodes import load_episodes

    con = open_store(db)
    try:
        with console.status("Loading episodes...") as status:

            def tick(message: str) -> None:
                status.update(message)

            summary = load_episodes(con, path, progress=tick)
    finally:
        con.close()
    _report(summary)


@app.command("comparators")
@friendly_errors
def load_comparators_command(file: FileArg, db: DbOption = None) -> None:
    """Load comparator groups: a CSV with columns area_code, peer_code."""
    from lsr.data.comparators import load_comparators

    con = open_store(db)
    try:
        rows = load_comparators(con, file)
    finally:
        con.close()
    from rich.markup import escape

    console.print(
        f"Loaded {rows} comparator pairs from {escape(file.name)}", highlight=False, soft_wrap=True
    )


@app.command("population")
@friendly_errors
def load_population_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="ONS mid-year estimate workbooks (.xls/.xlsx, table MYE2) or population CSVs "
            "(ONS or tidy layout), in any mix.",
        ),
    ],
    db: DbOption = None,
    skip_bad: SkipBadOption = False,
) -> None:
    """Load population by area and age band: ONS mid-year estimate workbooks (mid-2015
    onwards, every layout; mid-2022 also gives mid-2011) or CSVs (ONS or tidy layout)."""
    from lsr.data.population import load_population_files

    summary = _load_many(db, files, load_population_files, skip_bad=skip_bad)
    _report(summary)


@app.command("ae")
@friendly_errors
def load_ae_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="NHS England monthly A&E provider CSVs (any month), or the NHSRdatasets "
            "ae_attendances CSV.",
        ),
    ],
    skip_bad: SkipBadOption = False,
    db: DbOption = None,
) -> None:
    """Load NHS England A&E attendances, four-hour breaches and admissions by provider."""
    from lsr.data.sources.ae import load_ae

    summary = _load_many(db, files, load_ae, skip_bad=skip_bad)
    _report(summary)


@app.command("catchment")
@friendly_errors
def load_catchment_command(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="The trust-to-council mapping trust_utla_mapping.csv (epiforecasts "
            "covid19.nhs.data).",
        ),
    ],
    db: DbOption = None,
) -> None:
    """Load the trust-to-council mapping used to apportion A&E figures to councils."""
    from lsr.data.sources.trust_catchment import load_catchment

    con = open_store(db)
    try:
        summary = load_catchment(con, file)
    finally:
        con.close()
    _report(summary)


@app.command("mar")
@friendly_errors
def load_mar_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="NHS England Monthly Activity Return by commissioner workbooks "
            "(MAR_Comm-Web-file-*.xls), any months.",
        ),
    ],
    skip_bad: SkipBadOption = False,
    db: DbOption = None,
) -> None:
    """Load NHS England Monthly Activity Return (MAR) commissioner workbooks: emergency
    (non-elective) and elective admissions, referrals and outpatient attendances, all ages."""
    from lsr.data.sources.mar import load_mar

    summary = _load_many(db, files, load_mar, skip_bad=skip_bad)
    _report(summary)


@app.command("ascof")
@friendly_errors
def load_ascof_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="ASCOF files: NHS Digital's official open data (.csv or .xlsx) or the "
            "compiled final_data_YYYY.csv tables.",
        ),
    ],
    year: Annotated[
        str | None,
        typer.Option(
            "--year",
            help="Financial year of an official open-data file whose name does not say it "
            "(e.g. 2020-21).",
        ),
    ] = None,
    skip_bad: SkipBadOption = False,
    db: DbOption = None,
) -> None:
    """Load Adult Social Care Outcomes Framework measures (any year, either layout)."""
    from lsr.data.sources.ascof import load_ascof

    summary = _load_many(db, files, load_ascof, year=year, skip_bad=skip_bad)
    _report_measures(summary)


@app.command("oflog")
@friendly_errors
def load_oflog_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True, dir_okay=False, help="Oflog adult social care metrics CSV file(s)."
        ),
    ],
    skip_bad: SkipBadOption = False,
    db: DbOption = None,
) -> None:
    """Load Oflog adult social care metrics (carer quality of life, workforce turnover ...)."""
    from lsr.data.sources.oflog import load_oflog

    summary = _load_many(db, files, load_oflog, skip_bad=skip_bad)
    _report_measures(summary)


def _report_measures(summary: object) -> None:
    """The summary and its notes, as plain text (publishers' markers such as [c] are not
    Rich markup), without wrapping long lines."""
    from rich.markup import escape

    console.print(escape(str(summary)), highlight=False, soft_wrap=True)
    for note in getattr(summary, "notes", []):
        console.print(f"  {escape(note)}", highlight=False, soft_wrap=True)
