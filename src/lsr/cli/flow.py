"""``lsr simulate``, ``lsr sweep`` and ``lsr calibrate``: the flow model from the command line."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lsr.cli.main import (
    CommandFailed,
    DbOption,
    console,
    friendly_errors,
    open_store,
    progress_bar,
    store_wait,
)
from lsr.cli.output import prepare_out_dir, prepare_out_file
from lsr.data.store_sharing import StoreBusy

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Scenario file (YAML; see docs/scenarios.md), or the name of a shipped example "
        "('winter')."
    ),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed (same for all scenarios).")]
EngineOption = Annotated[
    str, typer.Option("--engine", help="Simulation engine: compiled (numba) or reference.")
]

DEFAULT_SEED = 20181101

#: Seconds a finished simulation or sweep waits for the store to store its results
#: (``$LSR_STORE_COMMIT_WAIT``): much longer than other waits, the results took long to make.
COMMIT_WAIT = 600.0

#: Seconds ``--scheduler`` waits for the Dask scheduler to answer.
SCHEDULER_TIMEOUT = 4.0


def _scenario_file(name: str) -> Any:
    from lsr.data.scenario_files import EXAMPLES, example_path, load_scenario_file

    path = Path(name)
    if not path.exists() and name in EXAMPLES:
        path = example_path(name)
    return load_scenario_file(path)


def _check_engine(engine: str) -> None:
    if engine not in ("compiled", "reference"):
        raise ValueError(f"--engine must be compiled or reference, not {engine!r}")


def comparison_table(result: Any) -> Table:
    """The Rich comparison table: base case and each scenario, differences with 95% CIs."""
    from lsr.report.simulation import comparison_rows

    table = Table(
        title=f"{result.name}: {result.replications} replications (common random numbers)",
        show_lines=True,
    )
    table.add_column("Measure", style="bold")
    for name in result.scenario_names:
        table.add_column(name, justify="right")
    for row in comparison_rows(result):
        cells = []
        for cell in row["cells"]:
            text = cell["mean"]
            if cell["diff"]:
                mark = "" if cell["significant"] else " (ns)"
                text += f"\n{cell['diff']}{mark}\n[dim]95% CI {cell['ci']}[/]"
            cells.append(text)
        table.add_row(f"{row['label']}\n[dim]{row['unit']}[/]", *cells)
    table.caption = (
        "Mean over replications; under each scenario its difference from the base case, paired "
        "by replication, with 95% CI; (ns) = the CI includes 0."
    )
    return table


def flow_table(result: Any) -> Table | None:
    """The Rich table of flows out of acute beds per scenario (None without flows)."""
    from lsr.report.simulation import flow_rows

    rows = flow_rows(result)
    if not rows:
        return None
    table = Table(title="Flows out of acute beds (mean over replications)")
    table.add_column("Destination", style="bold")
    for name in result.scenario_names:
        table.add_column(name, justify="right")
    left_out = False
    for row in rows:
        if row["key"].startswith("flow_overflow_") and all(c["total"] == "0" for c in row["cells"]):
            left_out = True  # nobody placed elsewhere in any scenario
            continue
        cells = [f"{c['total']}\n[dim]{c['per_day']} a day[/]" for c in row["cells"]]
        label = f"[bold]{row['label']}[/]" if row["total"] else row["label"]
        table.add_row(label, *cells, end_section=row["key"] == "discharges")
    table.caption = "Patients over the period (per day below); each leaver counted once." + (
        " No overflow placements (none placed elsewhere) in any scenario." if left_out else ""
    )
    return table


def _observed_area(con: Any, area: str) -> Any:
    """The area's observed profile indicators for the report (``LookupError`` if unknown)."""
    from lsr.data.flow_store import observed_indicator_series
    from lsr.data.queries import area_names, find_area
    from lsr.report.simulation import ObservedArea

    code = find_area(con, area)
    return ObservedArea(code, area_names(con)[code], observed_indicator_series(con, code))


@friendly_errors
def simulate(
    scenario: ScenarioArg,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the report (simulation.html).")
    ] = Path("simulation"),
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications",
            "-n",
            help="Run exactly this many replications (default: until the base case's mean "
            "delayed days is within --precision, between --min-replications and "
            "--max-replications).",
            min=1,
        ),
    ] = None,
    seed: SeedOption = DEFAULT_SEED,
    engine: EngineOption = "compiled",
    precision: Annotated[
        float, typer.Option("--precision", help="Target relative 95% CI half-width.", min=0.0)
    ] = 0.05,
    min_replications: Annotated[int, typer.Option("--min-replications", min=2)] = 5,
    max_replications: Annotated[int, typer.Option("--max-replications", min=2)] = 40,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write simulation.pdf.")] = False,
    area: Annotated[
        str | None,
        typer.Option(
            "--area",
            "-a",
            help="Council name or ONS code: the report draws the area's observed DToC rate, "
            "stays over 7 days and readmissions beside the simulated ones (default: the "
            "scenario file's 'area', if any).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Run a scenario file (base case and scenarios, common random numbers), print a comparison
    table, write an HTML report and store the results."""
    from lsr.data.flow_store import FlowRun
    from lsr.flow.experiment import run_experiment
    from lsr.report.simulation import render_simulation

    _check_engine(engine)
    prepare_out_dir(out)  # an unwritable --out fails now, not after the simulation
    sf = _scenario_file(scenario)
    area = area or sf.spec.area
    observed = None
    if area:  # resolve it before simulating, so an unknown area fails at once
        con = open_store(db, read_only=True)
        try:
            observed = _observed_area(con, area)
        finally:
            con.close()
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("Simulating", total=None)

        def progress(done: int, expected: int) -> None:
            bar.update(task, completed=done, total=expected)

        result = run_experiment(
            sf,
            seed=seed,
            replications=replications,
            min_replications=min_replications,
            max_replications=max(max_replications, min_replications),
            relative_precision=precision,
            engine=engine,
            progress=progress,
        )
    elapsed = time.perf_counter() - started
    console.print(comparison_table(result))
    flows = flow_table(result)
    if flows is not None:
        console.print(flows)
    p = result.precision
    console.print(
        f"{result.replications} replications: {result.stopped_because}. Base case mean delayed "
        f"days {p.mean:,.0f} ± {p.half_width:,.0f} (95% CI, {p.relative:.1%} of the mean).",
        highlight=False,
    )
    style = "bold yellow" if result.warm_up.flagged else "dim"
    console.print(f"[{style}]{result.warm_up.message}[/]", highlight=False)
    console.print("Unit costs:", highlight=False)
    for item, source in result.cost_sources.items():
        console.print(
            f"  {item}: £{result.unit_costs.get(item, math.nan):,.2f} a day. {source}",
            highlight=False,
        )
    if observed is not None:
        synthetic = sorted(set(observed.series.loc[observed.series["synthetic"], "indicator"]))
        console.print(
            f"The report compares the simulation with {observed.name} ({observed.code})"
            + (f"; SYNTHETIC observed data: {', '.join(synthetic)}" if synthetic else "")
            + ("" if result.adult_population > 0 else "; the DToC rate cannot be compared "
               "(base.adult_population is not set)")
            + ".",
            highlight=False,
        )  # fmt: skip
    written = render_simulation(
        result, out, ("html", "pdf") if pdf else ("html",), observed=observed
    )
    (run_id,) = store_runs(
        db,
        [
            FlowRun(
                scenario_file=str(sf.source),
                scenario_name=result.name,
                replications=result.replications,
                seed=seed,
                engine=engine,
                results=result.results,
                daily=result.daily,
            )
        ],
    )
    for path in written:
        console.print(f"Wrote {path}", highlight=False)
    console.print(f"Stored results as run {run_id}. Simulated in {elapsed:.1f} s.", highlight=False)


def _select_areas(populations: Any, areas: str) -> list[Any]:
    from lsr.flow.sweep import AreaPopulation

    rows = populations
    if areas.strip().lower() != "all":
        wanted = [a.strip() for a in areas.split(",") if a.strip()]
        known = set(rows["code"])
        missing = [a for a in wanted if a not in known]
        if missing:
            raise LookupError(
                f"no population aged 65+ for area code(s) {', '.join(missing)}; "
                "run `lsr areas` to list the areas loaded"
            )
        rows = rows[rows["code"].isin(wanted)]
    return [
        AreaPopulation(r.code, r.name, float(r.population_65), float(r.adult_population))
        for r in rows.itertuples()
    ]


@friendly_errors
def sweep(
    scenario: ScenarioArg,
    areas: Annotated[
        str, typer.Option("--areas", help="'all' or area codes separated by commas.")
    ] = "all",
    replications: Annotated[int, typer.Option("--replications", "-n", min=1)] = 10,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Worker processes (default: CPU count)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask distributed scheduler address (default: local processes)."
        ),
    ] = None,
    seed: SeedOption = DEFAULT_SEED,
    engine: EngineOption = "compiled",
    db: DbOption = None,
) -> None:
    """Run a scenario file for many areas (arrivals and capacities scaled by each area's
    population aged 65+), in parallel, and store the results."""
    from lsr.data.flow_store import FlowRun, area_populations
    from lsr.flow.sweep import run_sweep

    _check_engine(engine)
    sf = _scenario_file(scenario)
    client = dask_client(scheduler) if scheduler else None  # first: fail fast
    try:
        con = open_store(db, read_only=True)  # briefly: the areas' populations
        try:
            chosen = _select_areas(area_populations(con), areas)
        finally:
            con.close()
        if not chosen:
            raise LookupError("no areas with a population aged 65+ in the store")
    except BaseException:
        if client is not None:
            client.close()
        raise
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(
            f"{len(chosen)} areas x {len(sf.scenario_names)} scenarios x {replications}",
            total=len(chosen) * replications,
        )

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if client is not None:
            with client:
                result = run_sweep(
                    sf, chosen, client, replications=replications, seed=seed,
                    engine=engine, progress=progress,
                )  # fmt: skip
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers) as pool:
                result = run_sweep(
                    sf, chosen, pool, replications=replications, seed=seed,
                    engine=engine, progress=progress,
                )  # fmt: skip
    wall = time.perf_counter() - started
    store_runs(
        db,
        [
            FlowRun(
                scenario_file=str(sf.source),
                scenario_name=sf.name,
                area_code=area.code,
                replications=replications,
                seed=seed,
                engine=engine,
                results=result.results[result.results["area_code"] == area.code].drop(
                    columns=["area_code"]
                ),
            )
            for area in chosen
        ],
    )
    console.print(sweep_table(result, sf.scenario_names))
    runs = len(chosen) * len(sf.scenario_names) * replications
    console.print(
        f"{len(chosen)} areas x {len(sf.scenario_names)} scenarios x {replications} replications "
        f"= {runs:,} runs in {wall:.1f} s wall time "
        f"({'Dask scheduler ' + scheduler if scheduler else 'local process pool'}). "
        f"Results stored ({len(chosen)} runs in flow_runs).",
        highlight=False,
    )


def dask_client(address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or one line saying why there is none
    (within :data:`SCHEDULER_TIMEOUT` seconds)."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=SCHEDULER_TIMEOUT)
    except ValueError as exc:
        raise CommandFailed(f"--scheduler {address}: not a scheduler address ({exc})") from None
    except (OSError, TimeoutError):
        raise CommandFailed(
            f"no Dask scheduler answered at {address} within {SCHEDULER_TIMEOUT:g} s; start "
            "one (`dask scheduler`) or leave out --scheduler to use local processes"
        ) from None
    except Exception as exc:  # something answered, but not a Dask scheduler
        raise CommandFailed(
            f"{address} did not answer as a Dask scheduler ({type(exc).__name__}); check the "
            "address, or leave out --scheduler to use local processes"
        ) from None


def store_runs(db: Path | None, runs: list[Any]) -> list[str]:
    """Store finished runs in one short write transaction, waiting for the store (up to
    ``$LSR_STORE_COMMIT_WAIT``, default :data:`COMMIT_WAIT` seconds) while another process holds
    it. If it stays busy, the results are not lost: they are written to Parquet files in the
    current folder and the command stops with one line naming them."""
    from lsr.data.flow_store import save_flow_runs

    try:
        con = open_store(db, wait=store_wait(COMMIT_WAIT, "LSR_STORE_COMMIT_WAIT"))
        try:
            return save_flow_runs(con, runs)
        finally:
            con.close()
    except StoreBusy as exc:
        folder = Path.cwd()
        try:
            kept = ", ".join(map(str, keep_unstored(runs, folder)))
        except OSError as write_error:
            raise CommandFailed(
                f"{exc}. The results were not stored, and could not be kept in {folder} either "
                f"({write_error})"
            ) from None
        raise CommandFailed(
            f"{exc}. The results were not stored; they are kept in {kept}"
        ) from None


def keep_unstored(runs: list[Any], folder: Path) -> list[Path]:
    """Write runs that could not be stored to ``folder`` as Parquet (results, and daily series
    if any): the columns of ``flow_results`` / ``flow_daily`` with the run's ``flow_runs``
    columns in front."""
    import pandas as pd

    stamp = time.strftime("%Y%m%d-%H%M%S")
    frames: dict[str, list[Any]] = {"results": [], "daily": []}
    for run in runs:
        head = {
            "run_id": run.run_id,
            "scenario_file": run.scenario_file,
            "scenario_name": run.scenario_name,
            "area_code": run.area_code,
            "replications": run.replications,
            "seed": run.seed,
            "engine": run.engine,
        }
        for kind, frame in (("results", run.results), ("daily", run.daily)):
            if frame is not None and not frame.empty:
                frames[kind].append(frame.assign(**head))
    written = []
    for kind, parts in frames.items():
        if parts:
            target = folder / f"lsr-unstored-runs-{stamp}.{kind}.parquet"
            pd.concat(parts, ignore_index=True).to_parquet(target, index=False)
            written.append(target)
    return written


def sweep_table(result: Any, names: list[str]) -> Table:
    """Delayed days summed over areas per scenario, with the difference from the base case."""
    from lsr.flow.scenario import BASE_NAME

    r = result.results
    table = Table(title="Sweep: all areas together (sum of area means)")
    table.add_column("Scenario", style="bold")
    table.add_column("Delayed days", justify="right")
    table.add_column("Difference from base", justify="right")
    table.add_column("Areas where it falls (95% CI below 0)", justify="right")
    table.add_column("Total cost", justify="right")
    dd = r[r["metric"] == "delayed_days"]
    cost = r[r["metric"] == "cost_total"]
    for name in names:
        d = dd[dd["scenario"] == name]
        c = cost[cost["scenario"] == name]
        diff = "" if name == BASE_NAME else f"{d['diff_mean'].sum():+,.0f}"
        falls = "" if name == BASE_NAME else f"{int((d['diff_hi'] < 0).sum())} of {len(d)}"
        table.add_row(name, f"{d['mean'].sum():,.0f}", diff, falls, f"£{c['mean'].sum():,.0f}")
    return table


def observed_targets(con: Any, area_code: str) -> tuple[dict[str, float], list[str]]:
    """The area's observed DToC rate and share of stays over 7 days from the profile store, in
    model units, with notes saying which periods were used and what is synthetic."""
    from lsr.data.queries import indicator_counts

    counts = indicator_counts(con)
    counts = counts[counts["area_code"] == area_code]
    observed: dict[str, float] = {}
    notes: list[str] = []
    for indicator, target, scale in (
        ("dtoc_18", "dtoc_per_100k", 100_000.0),
        ("long_stays_65", "share_los_over_7", 1.0),
    ):
        rows = counts[counts["indicator"] == indicator].sort_values("period").tail(12)
        if rows.empty or rows["denominator"].sum() <= 0:
            notes.append(f"No {indicator} data for {area_code}: not used as a target.")
            continue
        observed[target] = float(rows["numerator"].sum() / rows["denominator"].sum() * scale)
        first, last = rows["period"].min(), rows["period"].max()
        kind = "SYNTHETIC demonstration data" if rows["synthetic"].any() else "real data"
        notes.append(
            f"{target}: {len(rows)} month(s) {first:%b %Y} to {last:%b %Y} of {indicator} "
            f"({kind}; {rows['source'].iloc[-1]})."
        )
    return observed, notes


@friendly_errors
def calibrate(
    scenario: ScenarioArg,
    area: Annotated[str, typer.Option("--area", "-a", help="Council name or ONS code.")],
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter",
            "-p",
            help="Parameter to fit (repeatable): services.<service>.capacity or "
            "acute_length_of_stay.mean (default: home care capacity and acute LOS mean).",
        ),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-n", min=2)] = 5,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Calibrated scenario YAML to write.")
    ] = None,
    seed: SeedOption = DEFAULT_SEED,
    engine: EngineOption = "compiled",
    db: DbOption = None,
) -> None:
    """Fit unknown parameters so the simulated DToC rate and share of stays over 7 days match
    an area's observed values, and write a calibrated scenario file."""
    from lsr.data.flow_store import area_populations
    from lsr.data.queries import area_names, find_area
    from lsr.data.scenario_files import write_scenario_yaml
    from lsr.flow.calibrate import DEFAULT_PARAMETERS, calibrate, calibrated_scenario_data
    from lsr.flow.scenario import BASE_NAME, scale_parameters

    _check_engine(engine)
    sf = _scenario_file(scenario)
    con = open_store(db, read_only=True)
    try:
        code = find_area(con, area)
        name = area_names(con)[code]
        pops = area_populations(con)
        observed, notes = observed_targets(con, code)
    finally:
        con.close()
    target_path = prepare_out_file(
        out or Path(f"{Path(sf.source).stem}-{code}-calibrated.yaml")
    )  # an unwritable --out fails now, not after calibrating
    row = pops[pops["code"] == code]
    if row.empty:
        raise LookupError(f"no population aged 65+ for {name} ({code})")
    pop65, adults = float(row["population_65"].iloc[0]), float(row["adult_population"].iloc[0])
    if not observed:
        raise LookupError(f"no observed DToC or length-of-stay data for {name} ({code})")
    factor = pop65 / sf.population_65
    params = scale_parameters(sf.parameters[BASE_NAME], factor, adults)
    names = parameter or list(DEFAULT_PARAMETERS)
    with console.status("Calibrating...") as status:

        def progress(n: int, value: float) -> None:
            status.update(f"Calibrating: evaluation {n}, objective {value:.4g}")

        result = calibrate(
            params,
            observed,
            parameters=names,
            replications=replications,
            seed=seed,
            engine=engine,
            progress=progress,
        )
    table = Table(title=f"Calibrated parameters for {name} ({code})")
    for col in ("Parameter", "Start (scaled base case)", "Fitted", "Bounds"):
        table.add_column(col, justify="left" if col == "Parameter" else "right")
    for n in names:
        lo, hi = result.bounds[n]
        table.add_row(
            n, f"{result.start[n]:,.2f}", f"{result.values[n]:,.2f}", f"{lo:,.1f}-{hi:,.1f}"
        )
    console.print(table)
    fit = Table(title=f"Fit: observed against simulated ({replications} replications)")
    for col in ("Target", "Observed", "Simulated mean", "95% CI"):
        fit.add_column(col, justify="left" if col == "Target" else "right")
    for f in result.fits:
        pct = f.target.startswith("share")
        fmt = (lambda v: f"{v * 100:.1f}%") if pct else (lambda v: f"{v:,.2f}")
        fit.add_row(f.label, fmt(f.observed), fmt(f.simulated), f"{fmt(f.lower)} to {fmt(f.upper)}")
    console.print(fit)
    for note in notes:
        console.print(f"  {note}", highlight=False)
    console.print(
        f"{result.method}: {result.evaluations} evaluations, objective {result.objective:.4g} "
        f"(sum of squared relative errors). {result.message}",
        highlight=False,
    )
    data = calibrated_scenario_data(
        sf,
        factor=factor,
        population_65=pop65,
        adult_population=adults,
        values=result.values,
        name=f"{sf.name}, calibrated to {name}",
    )
    header = (
        f"Calibrated by lsr calibrate to {name} ({code}): base case scaled by population 65+ "
        f"({pop65:,.0f} / {sf.population_65:,.0f}) and fitted {', '.join(names)}.\n"
        + "\n".join(notes)
    )
    write_scenario_yaml(data, target_path, header)
    console.print(f"Wrote {target_path}", highlight=False)
