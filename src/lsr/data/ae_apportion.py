"""A&E four-hour performance and attendances for councils, apportioned from trusts.

NHS England publishes A&E counts by provider (trust), not by council. Here a council's monthly
count is the sum over trusts of the trust's count times the share of the trust's patients who
live in the council (``p_trust`` of the trust catchment mapping, :mod:`lsr.data.sources.
trust_catchment`). The England row is the sum of *all* providers in the A&E data, whether or not
the mapping knows them; it does not depend on the mapping.

Providers the mapping does not know are handled in the open, never dropped silently:

- a trust that has since merged is apportioned by its successor's catchment, following the
  documented :data:`TRUST_SUCCESSIONS` (mergers of 2017 to 2021 whose successor is in the
  mapping);
- the rest (community trusts' minor injury units and walk-in centres, independent providers,
  specialist trusts, children's hospitals) are not apportioned to any council; they stay in the
  England row and are listed by :func:`ae_provider_coverage` and quantified month by month by
  :func:`ae_england_coverage`. :func:`ae_council_coverage` gives each council the share of its
  residents' admissions (in the mapping) that went to trusts whose A&E figures are in the data.

Council codes of the mapping are matched to the store's areas; Buckinghamshire's 2020 unitary
code and its 2017 county code name the same area (:data:`SAME_AREA_CODES`). See
docs/methods/ae.md for the caveats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from lsr.core.geography import ENGLAND_CODE
from lsr.core.profile import COUNT_COLUMNS

FOUR_HOURS = "ae_four_hours"
ATTENDANCES_ALL = "ae_attendances_all"

AE_SOURCE = "NHS England A&E Attendances and Emergency Admissions (monthly, by provider)"
CATCHMENT_SOURCE = (
    "trust-to-council shares of the epiforecasts covid19.nhs.data mapping (2020 admissions)"
)


@dataclass(frozen=True)
class Succession:
    """A trust that merged into another: its A&E counts are apportioned by the successor."""

    old_code: str
    old_name: str
    new_code: str
    new_name: str
    effective: date
    evidence: str


_EPI = "also in epiforecasts covid19.nhs.data trust_mergers.csv"
_ODS = "NHS organisation data service (ODS) successor record"

TRUST_SUCCESSIONS: tuple[Succession, ...] = (
    Succession("RQQ", "Hinchingbrooke Health Care NHS Trust", "RGN",
               "North West Anglia NHS Foundation Trust", date(2017, 4, 1), _ODS),
    Succession("RW3", "Central Manchester University Hospitals NHS Foundation Trust", "R0A",
               "Manchester University NHS Foundation Trust", date(2017, 10, 1), _ODS),
    Succession("RM2", "University Hospital of South Manchester NHS Foundation Trust", "R0A",
               "Manchester University NHS Foundation Trust", date(2017, 10, 1), _ODS),
    Succession("RR1", "Heart of England NHS Foundation Trust", "RRK",
               "University Hospitals Birmingham NHS Foundation Trust", date(2018, 4, 1), _ODS),
    Succession("RJF", "Burton Hospitals NHS Foundation Trust", "RTG",
               "University Hospitals of Derby and Burton NHS Foundation Trust",
               date(2018, 7, 1), _ODS),
    Succession("RGQ", "Ipswich Hospital NHS Trust", "RDE",
               "East Suffolk and North Essex NHS Foundation Trust", date(2018, 7, 1), _ODS),
    Succession("RE9", "South Tyneside NHS Foundation Trust", "R0B",
               "South Tyneside and Sunderland NHS Foundation Trust", date(2019, 4, 1), _ODS),
    Succession("RLN", "City Hospitals Sunderland NHS Foundation Trust", "R0B",
               "South Tyneside and Sunderland NHS Foundation Trust", date(2019, 4, 1), _ODS),
    Succession("RQ6", "Royal Liverpool and Broadgreen University Hospitals NHS Trust", "REM",
               "Liverpool University Hospitals NHS Foundation Trust", date(2019, 10, 1), _ODS),
    Succession("RNL", "North Cumbria University Hospitals NHS Trust", "RNN",
               "North Cumbria Integrated Care NHS Foundation Trust", date(2019, 10, 1), _ODS),
    Succession("RBA", "Taunton and Somerset NHS Foundation Trust", "RH5",
               "Somerset NHS Foundation Trust", date(2020, 4, 1), _EPI),
    Succession("RC1", "Bedford Hospital NHS Trust", "RC9",
               "Bedfordshire Hospitals NHS Foundation Trust", date(2020, 4, 1), _EPI),
    Succession("RA3", "Weston Area Health NHS Trust", "RA7",
               "University Hospitals Bristol and Weston NHS Foundation Trust",
               date(2020, 4, 1), _EPI),
    Succession("RQ8", "Mid Essex Hospital Services NHS Trust", "RAJ",
               "Mid and South Essex NHS Foundation Trust", date(2020, 4, 1), _EPI),
    Succession("RDD", "Basildon and Thurrock University Hospitals NHS Foundation Trust", "RAJ",
               "Mid and South Essex NHS Foundation Trust", date(2020, 4, 1), _EPI),
    Succession("RDZ", "The Royal Bournemouth and Christchurch Hospitals NHS Foundation Trust",
               "R0D", "University Hospitals Dorset NHS Foundation Trust", date(2020, 10, 1), _EPI),
    Succession("RD3", "Poole Hospital NHS Foundation Trust", "R0D",
               "University Hospitals Dorset NHS Foundation Trust", date(2020, 10, 1), _EPI),
    Succession("RXH", "Brighton and Sussex University Hospitals NHS Trust", "RYR",
               "University Hospitals Sussex NHS Foundation Trust", date(2021, 4, 1), _EPI),
    Succession("RW6", "Pennine Acute Hospitals NHS Trust", "RM3",
               "Northern Care Alliance NHS Foundation Trust", date(2021, 10, 1),
               _EPI + "; North Manchester General Hospital went to R0A in April 2021, but the "
               "mapping counts all of Pennine Acute's 2020 spells under RM3"),
)  # fmt: skip
"""Mergers of trusts that ran A&E departments in 2016-2021, old code -> the code in the mapping.

The mapping (2020 spells) uses the trusts as they were after these mergers, so the A&E counts
of a predecessor are apportioned by its successor's catchment; where several predecessors
report in the same month (e.g. Basildon, Mid Essex and Southend before April 2020) their
counts are added and shared out by the merged trust's catchment."""

SAME_AREA_CODES: dict[str, tuple[str, ...]] = {
    "E06000060": ("E10000002",),
    "E10000002": ("E06000060",),
}
"""Council codes that name the same area: Buckinghamshire became a unitary council (E06000060)
in April 2020 with the county's boundary (E10000002). A mapping code missing from the store is
matched to its twin when the store has that instead (never to both)."""


class TrustShare(NamedTuple):
    """A trust serving a council: its code, its name if known, and the share of the council's
    residents' admissions (in the mapping) that went to it."""

    code: str
    name: str | None
    share: float


def _successor_map() -> dict[str, str]:
    return {s.old_code: s.new_code for s in TRUST_SUCCESSIONS}


def resolve_trusts(codes: pd.Series | list[str], mapped: set[str]) -> dict[str, str | None]:
    """Each A&E provider code -> the mapping trust it is apportioned by (None: not apportioned).

    A code in the mapping is itself; otherwise its successor (following chains) when that is in
    the mapping."""
    successors = _successor_map()
    out: dict[str, str | None] = {}
    for code in set(codes):
        current: str | None = code
        hops = 0
        while current is not None and current not in mapped and hops < 10:
            current = successors.get(current)
            hops += 1
        out[code] = current if current in mapped else None
    return out


def _areas(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT code FROM areas").fetchall()}


def resolve_area(geo_code: str, areas: set[str]) -> str | None:
    """The store's area for a mapping council code (itself, or its same-area twin), if any."""
    if geo_code in areas:
        return geo_code
    return next((alt for alt in SAME_AREA_CODES.get(geo_code, ()) if alt in areas), None)


def _catchment(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The mapping with each council code matched to a store area (``area_code``, or None)."""
    frame = con.execute(
        "SELECT trust_code, geo_code, p_trust, p_geo FROM trust_catchment "
        "ORDER BY trust_code, geo_code"
    ).df()
    areas = _areas(con)
    frame["area_code"] = [resolve_area(g, areas) for g in frame["geo_code"]]
    return frame


def _activity(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A&E attendances and breaches per provider and month, all department types together."""
    frame = con.execute(
        "SELECT org_code, period, sum(attendances) AS attendances, sum(breaches) AS breaches "
        "FROM ae_activity GROUP BY org_code, period ORDER BY period, org_code"
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def _names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The latest published name of each provider, then the names of successor trusts."""
    names = {s.new_code: s.new_name for s in TRUST_SUCCESSIONS}
    names.update({s.old_code: s.old_name for s in TRUST_SUCCESSIONS})
    rows = con.execute(
        "SELECT org_code, org_name FROM ae_provider_names "
        "QUALIFY row_number() OVER (PARTITION BY org_code ORDER BY period DESC) = 1"
    ).fetchall()
    names.update(dict(rows))
    return names


def ae_provider_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every provider and month: its attendances and how it is apportioned.

    Columns: period, org_code, org_name (if known), attendances, breaches, trust_code (the
    mapping trust it is apportioned by, or None), status (``in mapping``, ``successor in
    mapping`` or ``not apportioned``)."""
    act = _activity(con)
    mapped = {
        r[0] for r in con.execute("SELECT DISTINCT trust_code FROM trust_catchment").fetchall()
    }
    resolved = resolve_trusts(act["org_code"], mapped)
    act["trust_code"] = act["org_code"].map(resolved)
    act["status"] = np.where(
        act["org_code"].isin(mapped),
        "in mapping",
        np.where(act["trust_code"].notna(), "successor in mapping", "not apportioned"),
    )
    names = _names(con)
    act.insert(2, "org_name", act["org_code"].map(names))
    return act[
        ["period", "org_code", "org_name", "attendances", "breaches", "trust_code", "status"]
    ].reset_index(drop=True)


def _council_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Apportioned attendances and within-four-hours attendances per council and month."""
    providers = ae_provider_coverage(con)
    cat = _catchment(con)
    cat = cat[cat["area_code"].notna()]
    apportioned = providers[providers["trust_code"].notna()]
    if apportioned.empty or cat.empty:
        return pd.DataFrame(columns=["area_code", "period", "attendances", "within"])
    merged = apportioned.merge(cat, on="trust_code")
    merged["att_share"] = merged["attendances"] * merged["p_trust"]
    merged["within_share"] = (merged["attendances"] - merged["breaches"]) * merged["p_trust"]
    out = merged.groupby(["area_code", "period"], as_index=False).agg(
        attendances=("att_share", "sum"), within=("within_share", "sum")
    )
    return out[out["attendances"] > 0].reset_index(drop=True)


ENGLAND_BENCHMARKS = ("comparable", "all")
"""``comparable``: England over the providers that are shared out to councils (the same
providers the councils' figures come from); ``all``: every provider (the official figure)."""


def _england_counts(con: duckdb.DuckDBPyConnection, england: str = "comparable") -> pd.DataFrame:
    if england not in ENGLAND_BENCHMARKS:
        raise ValueError(f"england must be one of {ENGLAND_BENCHMARKS}, not {england!r}")
    if england == "all":
        act = _activity(con)
    else:
        providers = ae_provider_coverage(con)
        act = providers[providers["trust_code"].notna()]
    out = act.groupby("period", as_index=False).agg(
        attendances=("attendances", "sum"), breaches=("breaches", "sum")
    )
    out["within"] = out["attendances"] - out["breaches"]
    out.insert(0, "area_code", ENGLAND_CODE)
    return out[out["attendances"] > 0][["area_code", "period", "attendances", "within"]]


def _with_population(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, population_year: int | None = None
) -> pd.DataFrame:
    """Add each row's all-ages population: the latest year not after the period's year, or the
    earliest year when the period precedes them all (as the DToC rate does); with
    ``population_year``, that year's estimate for every period."""
    pop = con.execute(
        "SELECT area_code, year, population FROM population WHERE age_band = 'all'"
    ).df()
    if population_year is not None:
        pop = pop[pop["year"] == int(population_year)]
    if frame.empty or pop.empty:
        return frame.assign(pop_year=pd.Series(dtype="Int64"), population=np.nan).iloc[0:0]
    rows = frame.reset_index(drop=True).reset_index(names="_row")
    rows["_year"] = rows["period"].dt.year
    joined = rows.merge(pop, on="area_code")
    before = joined[joined["year"] <= joined["_year"]]
    latest = before.loc[before.groupby("_row")["year"].idxmax()]
    earliest = joined.loc[joined.groupby("_row")["year"].idxmin()]
    chosen = pd.concat([latest, earliest[~earliest["_row"].isin(latest["_row"])]])
    chosen = chosen[chosen["population"] > 0]
    return (
        chosen.rename(columns={"year": "pop_year"})
        .sort_values("_row")
        .drop(columns=["_row", "_year"])
        .reset_index(drop=True)
    )


MIN_COVERAGE = 0.9
"""A council's month is left out of :func:`ae_counts` when the trusts with A&E figures that
month received less than this share of its residents' admissions (a trust missing from a month's
file would otherwise make the council's count collapse); :func:`ae_council_coverage` lists it."""


def ae_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    min_coverage: float = MIN_COVERAGE,
    population_year: int | None = None,
    england: str = "comparable",
) -> pd.DataFrame:
    """Tidy counts of ``ae_four_hours`` and ``ae_attendances_all``, monthly.

    One row per indicator, month and council with apportioned data, plus England
    (``E92000001``) from all providers. ``ae_four_hours``: numerator = attendances within four
    hours (attendances minus breaches), denominator = attendances, all department types.
    ``ae_attendances_all``: numerator = attendances, denominator = the all-ages population
    (councils and England need a population row). Not synthetic. Council months whose
    catchment coverage (:func:`ae_council_coverage`) is below ``min_coverage`` are left out.
    ``population_year`` pins the population estimate of every period's rate.

    England's row is, by default (``england="comparable"``), over the providers that are
    shared out to councils, so that a council is compared like for like: minor injury units
    and walk-in centres run by community trusts have no catchment, meet the four-hour standard
    more often and add attendances no council's figure includes, so England over every
    provider (``england="all"``, the official figure) would make every council look worse on
    four hours and lower on attendances. :func:`ae_england_coverage` gives both."""
    council = _council_counts(con)
    if min_coverage > 0 and not council.empty:
        coverage = ae_council_coverage(con)[["area_code", "period", "catchment_share"]]
        council = council.merge(coverage, on=["area_code", "period"], how="left")
        keep = council["catchment_share"].fillna(0.0) >= min_coverage - 1e-12
        council = council[keep].drop(columns=["catchment_share"])
    england_rows = _england_counts(con, england)
    both = pd.concat([england_rows, council], ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=list(COUNT_COLUMNS))
    both["period"] = pd.to_datetime(both["period"])
    is_england = both["area_code"] == ENGLAND_CODE
    apportioned = f"{AE_SOURCE}, apportioned to councils by {CATCHMENT_SOURCE}"
    all_providers = (
        f"{AE_SOURCE}: all providers in England (not apportioned)"
        if england == "all"
        else f"{AE_SOURCE}: England, the providers shared out to councils (not minor injury "
        "units or walk-in centres without a catchment)"
    )
    four = pd.DataFrame(
        {
            "indicator": FOUR_HOURS,
            "area_code": both["area_code"],
            "period": both["period"],
            "numerator": both["within"].astype(float),
            "denominator": both["attendances"].astype(float),
            "synthetic": False,
            "source": np.where(is_england, all_providers, apportioned),
        }
    )
    pop = _with_population(con, both, population_year)
    rate = pd.DataFrame(
        {
            "indicator": ATTENDANCES_ALL,
            "area_code": pop["area_code"],
            "period": pop["period"],
            "numerator": pop["attendances"].astype(float),
            "denominator": pop["population"].astype(float),
            "synthetic": False,
            "source": [
                f"{all_providers if a == ENGLAND_CODE else apportioned}; ONS mid-year "
                f"population {int(y)}"
                for a, y in zip(pop["area_code"], pop["pop_year"], strict=True)
            ],
        }
    )
    out = pd.concat([four, rate], ignore_index=True)
    for text in ("indicator", "area_code", "source"):
        out[text] = out[text].astype(str)
    out["synthetic"] = out["synthetic"].astype(bool)
    return out.sort_values(["indicator", "area_code", "period"]).reset_index(drop=True)[
        list(COUNT_COLUMNS)
    ]


def ae_england_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Month by month, how much of England's A&E activity is apportioned to councils.

    Columns: period; attendances (all providers); attendances of providers in the mapping,
    of providers apportioned through a successor, and not apportioned; ``unmapped_share`` (the
    share of England's attendances not apportioned to any council); ``apportioned_to_areas``
    (attendances shared out to councils in the store); ``four_hours_all`` and
    ``four_hours_apportioned`` (the four-hour percentage of all providers, and of the providers
    that are apportioned)."""
    providers = ae_provider_coverage(con)
    if providers.empty:
        return pd.DataFrame(
            columns=[
                "period", "attendances", "in_mapping", "via_successor", "not_apportioned",
                "unmapped_share", "apportioned_to_areas", "four_hours_all",
                "four_hours_apportioned",
            ]
        )  # fmt: skip
    providers["within"] = providers["attendances"] - providers["breaches"]
    rows = []
    council = _council_counts(con).groupby("period")["attendances"].sum()
    for period, group in providers.groupby("period"):
        status = group.groupby("status")["attendances"].sum()
        total = float(group["attendances"].sum())
        kept = group[group["status"] != "not apportioned"]
        rows.append(
            {
                "period": period,
                "attendances": total,
                "in_mapping": float(status.get("in mapping", 0.0)),
                "via_successor": float(status.get("successor in mapping", 0.0)),
                "not_apportioned": float(status.get("not apportioned", 0.0)),
                "unmapped_share": float(status.get("not apportioned", 0.0)) / total
                if total
                else np.nan,
                "apportioned_to_areas": float(council.get(period, 0.0)),
                "four_hours_all": 100 * float(group["within"].sum()) / total if total else np.nan,
                "four_hours_apportioned": 100
                * float(kept["within"].sum())
                / float(kept["attendances"].sum())
                if float(kept["attendances"].sum())
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def ae_council_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per council and month, the share of its residents' admissions (in the mapping) that went
    to trusts whose A&E figures are in the data that month.

    Columns: area_code, period, catchment_share (0 to 1), trusts_without_data (the council's
    mapping trusts with no A&E figures that month: specialist trusts without an A&E department,
    or a provider missing from the file). Councils in the store with no mapping rows get none."""
    providers = ae_provider_coverage(con)
    cat = _catchment(con)
    cat = cat[cat["area_code"].notna()]
    columns = ["area_code", "period", "catchment_share", "trusts_without_data"]
    if providers.empty or cat.empty:
        return pd.DataFrame(columns=columns)
    present = providers[providers["trust_code"].notna()][["period", "trust_code"]]
    present = present.drop_duplicates().assign(has_data=True)
    periods = pd.DataFrame({"period": sorted(providers["period"].unique())})
    grid = cat.merge(periods, how="cross").merge(present, on=["period", "trust_code"], how="left")
    grid["has_data"] = grid["has_data"].fillna(False).astype(bool)
    grid["covered"] = np.where(grid["has_data"], grid["p_geo"], 0.0)
    out = grid.groupby(["area_code", "period"], as_index=False).agg(
        catchment_share=("covered", "sum")
    )
    missing = (
        grid[~grid["has_data"]]
        .groupby(["area_code", "period"])["trust_code"]
        .agg(lambda codes: ", ".join(sorted(codes)))
        .rename("trusts_without_data")
        .reset_index()
    )
    out = out.merge(missing, on=["area_code", "period"], how="left")
    out["trusts_without_data"] = out["trusts_without_data"].fillna("")
    return out[columns]


def main_trusts(
    con: duckdb.DuckDBPyConnection, area_code: str, *, min_share: float = 0.0
) -> list[TrustShare]:
    """The trusts serving a council, largest share first: ``(code, name if known, share)``.

    The share is ``p_geo``: the fraction of the council's residents' admissions (2020, in the
    mapping) that went to the trust. ``min_share`` leaves out the smaller ones. Empty when the
    mapping has no rows for the council."""
    cat = _catchment(con)
    rows = cat[(cat["area_code"] == area_code) & (cat["p_geo"] >= min_share)]
    if rows.empty:
        return []
    names = _names(con)
    rows = rows.sort_values(["p_geo", "trust_code"], ascending=[False, True])
    return [
        TrustShare(str(code), names.get(str(code)), float(share))
        for code, share in zip(rows["trust_code"], rows["p_geo"], strict=True)
    ]
