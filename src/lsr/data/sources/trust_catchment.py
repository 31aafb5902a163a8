"""Which councils' residents each acute trust serves: the epiforecasts trust-to-UTLA mapping.

The R package ``covid19.nhs.data`` (epiforecasts; MIT licence, copyright 2021 Sophie Meakin)
publishes a many-to-many mapping between NHS acute trusts and upper-tier local authorities
(UTLAs), built from hospital spells of 2020 (NHS England, Secondary Uses Service) with
trust-UTLA pairs of fewer than 10 spells left out. One row per pair:

- ``trust_code``: the trust's three-character ODS code (trust mergers up to 2021 applied);
- ``geo_code`` (``utla_code`` in earlier releases): the council's ONS code;
- ``p_trust``: the share of the trust's admissions that came from the council (for each trust
  these add up to 1);
- ``p_geo`` (``p_utla``): the share of the council's admissions that went to the trust (for each
  council these add up to 1).

It is an approximation, not an official catchment: it reflects where patients went in 2020.
:func:`read_catchment` reads and validates the file; :func:`load_catchment` stores it whole in
``trust_catchment``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data.errors import LoadError, quote_list
from lsr.data.loading import (
    LoadSummary,
    check_area_code,
    compare_with_store,
    insert_frame,
    load_files,
    parse_number,
    read_csv_text,
)
from lsr.data.sources import SourceInfo

KIND = "trust_catchment"

SOURCE = SourceInfo(
    kind=KIND,
    title="Trust to upper-tier local authority mapping (covid19.nhs.data)",
    publisher="epiforecasts (London School of Hygiene & Tropical Medicine), from NHS England "
    "Secondary Uses Service data",
    licence="MIT licence, copyright 2021 Sophie Meakin",
    url="https://github.com/epiforecasts/covid19.nhs.data",
    layouts=(
        "trust_utla_mapping.csv: trust_code, geo_code, p_trust, p_geo (one row per trust and "
        "upper-tier council; built from 2020 hospital spells)",
        "earlier releases: trust_code, utla_code, p_trust, p_utla (same meaning)",
    ),
    tables=("trust_catchment",),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS trust_catchment (
    trust_code VARCHAR NOT NULL,
    geo_code VARCHAR NOT NULL,
    p_trust DOUBLE NOT NULL CHECK (p_trust > 0 AND p_trust <= 1),
    p_geo DOUBLE NOT NULL CHECK (p_geo > 0 AND p_geo <= 1),
    PRIMARY KEY (trust_code, geo_code)
);
"""

COLUMNS: dict[str, tuple[str, ...]] = {
    "trust_code": ("trust_code",),
    "geo_code": ("geo_code", "utla_code"),
    "p_trust": ("p_trust",),
    "p_geo": ("p_geo", "p_utla"),
}
"""Each stored column and the header spellings it is read from (first match wins)."""

SUM_TOLERANCE = 1e-3
"""How far a trust's ``p_trust`` (or a council's ``p_geo``) may add up away from 1."""

_TRUST_RE = re.compile(r"^[A-Z0-9]{3}$")
_LOWER_TIER = ("E07",)


@dataclass
class Catchment:
    """A validated mapping: ``rows`` has trust_code, geo_code, p_trust, p_geo, source_row."""

    file: str
    rows: pd.DataFrame
    fields: dict[str, str]
    """Stored column -> the header it was read from."""

    @property
    def trusts(self) -> list[str]:
        """The trusts of the mapping, sorted."""
        return sorted(set(self.rows["trust_code"]))

    @property
    def councils(self) -> list[str]:
        """The council codes of the mapping, sorted."""
        return sorted(set(self.rows["geo_code"]))


def _pick(path: Path, columns: list[str]) -> dict[str, str]:
    keys = {c.strip().casefold(): c for c in columns}
    picked: dict[str, str] = {}
    for name, spellings in COLUMNS.items():
        found = next((keys[s] for s in spellings if s in keys), None)
        if found is None:
            also = f" (or {', '.join(spellings[1:])})" if spellings[1:] else ""
            raise LoadError(
                path,
                f"missing column {spellings[0]!r}{also}: is this the trust catchment table "
                f"(trust_code, geo_code, p_trust, p_geo)? Found: {quote_list(columns)}",
                row=1,
                field=spellings[0],
            )
        picked[name] = found
    return picked


def _check_sums(path: Path, frame: pd.DataFrame, by: str, share: str, field: str) -> None:
    sums = frame.groupby(by, sort=True)[share].sum()
    for code, total in sums.items():
        if abs(total - 1.0) > SUM_TOLERANCE:
            rows = frame.loc[frame[by] == code, "source_row"]
            what = "trust" if by == "trust_code" else "council"
            raise LoadError(
                path,
                f"the {field} of {what} {code} add up to {total:.4f}, not 1 (rows "
                f"{', '.join(str(r) for r in rows)}); a row missing or a share changed?",
                row=int(rows.iloc[0]),
                field=field,
            )


def read_catchment(path: Path | str) -> Catchment:
    """Read and validate one trust-to-council mapping (no store access).

    Checks: the four columns are present; trust codes are three-character ODS codes; council
    codes are English upper-tier codes (a lower-tier district code means the LTLA version of
    the mapping, which does not fit councils); shares are numbers in (0, 1]; no pair repeats;
    each trust's ``p_trust`` and each council's ``p_geo`` add up to 1."""
    path = Path(path)
    frame = read_csv_text(path)
    fields = _pick(path, list(frame.columns))
    records: list[dict[str, object]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        if all(not str(v).strip() for v in rec.values()):
            continue
        trust = str(rec[fields["trust_code"]]).strip().upper()
        if not _TRUST_RE.match(trust):
            raise LoadError(
                path,
                f"{trust!r} is not a trust code (three letters and digits, e.g. RTH)",
                row=row,
                field=fields["trust_code"],
            )
        geo = check_area_code(rec[fields["geo_code"]], file=path, field=fields["geo_code"], row=row)
        if geo.startswith(_LOWER_TIER):
            raise LoadError(
                path,
                f"{geo} is a lower-tier district; lsr needs the upper-tier (UTLA) mapping, "
                "trust_utla_mapping.csv",
                row=row,
                field=fields["geo_code"],
            )
        shares = {}
        for name in ("p_trust", "p_geo"):
            value = parse_number(
                rec[fields[name]], file=path, field=fields[name], row=row, positive=True
            )
            if value > 1 + 1e-12:
                raise LoadError(
                    path, f"{value:g} is a share and cannot exceed 1", row=row, field=fields[name]
                )
            shares[name] = min(value, 1.0)
        key = (trust, geo)
        if key in seen:
            raise LoadError(
                path,
                f"trust {trust} and council {geo} appear twice (also row {seen[key]})",
                row=row,
                field=fields["geo_code"],
            )
        seen[key] = row
        records.append({"trust_code": trust, "geo_code": geo, **shares, "source_row": row})
    if not records:
        raise LoadError(path, "no rows under the header", row=1)
    rows = pd.DataFrame(records)
    _check_sums(path, rows, "trust_code", "p_trust", fields["p_trust"])
    _check_sums(path, rows, "geo_code", "p_geo", fields["p_geo"])
    return Catchment(file=str(path), rows=rows, fields=fields)


def _store_catchment(con: duckdb.DuckDBPyConnection, path: Path, parsed: Catchment) -> int:
    """Store a whole mapping; the same mapping again is a no-op, a different one an error."""
    keys = ["trust_code", "geo_code"]
    values = ["p_trust", "p_geo"]
    new, conflicts = compare_with_store(con, "trust_catchment", parsed.rows, keys, values)
    if not conflicts.empty:
        c = conflicts.iloc[0]
        name = "p_trust" if abs(c["p_trust"] - c["existing_p_trust"]) > 1e-9 else "p_geo"
        raise LoadError(
            path,
            f"the store holds a different mapping: trust {c['trust_code']} and council "
            f"{c['geo_code']} have {name} {c[f'existing_{name}']:.6g} there, {c[name]:.6g} here",
            row=int(c["source_row"]),
            field=parsed.fields[name],
        )
    held = con.execute("SELECT count(*) FROM trust_catchment").fetchall()[0][0]
    if held and not new.empty:
        c = new.iloc[0]
        raise LoadError(
            path,
            f"the store already holds a trust catchment mapping without trust {c['trust_code']} "
            f"and council {c['geo_code']}; a mapping is loaded whole (shares must add up to 1), "
            "so two mappings cannot be mixed",
            row=int(c["source_row"]),
            field=parsed.fields["geo_code"],
        )
    return insert_frame(con, "trust_catchment", new, [*keys, *values])


def load_catchment(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load a trust-to-council mapping into ``trust_catchment`` (checked completely first)."""
    return load_files(
        con, paths, KIND, read_catchment, _store_catchment, skip_bad=skip_bad, progress=progress
    )
