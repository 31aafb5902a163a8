"""Area codes in the DToC workbooks: NHS council codes, ONS codes and boundary changes.

Workbooks before July 2015 name each council only by its NHS (ODS) council code (``716``
Barking & Dagenham, ``00KB`` Bedford); later ones also carry the ONS code. The shipped table
``lsr/data/files/nhs_council_codes.csv`` maps one to the other. It was built by
``scripts/build_nhs_council_codes.py`` from the NHS England workbooks that carry both columns
(July 2015 to December 2016 and the 2018 months in ``data/raw``), and agrees with every one of them.

Every month is stored under one code per council, the council's current code:

- Gateshead and Northumberland were given new ONS codes in April 2013 (E08000020 -> E08000037,
  E06000048 -> E06000057) with no change of area; an old code in a workbook is stored under the
  new one (:data:`RENAMED_ONS_CODES`).
- Bournemouth, Poole and Dorset county were replaced in April 2019 by Bournemouth, Christchurch
  and Poole (E06000058) and Dorset (E06000059). This *is* a change of area, so months before
  April 2019 keep the old councils and later months carry the new ones (:data:`REPLACED_2019`).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CODES_FILE = "nhs_council_codes.csv"
"""The shipped NHS council code -> ONS code table, in ``lsr/data/files``."""

CODES_COLUMNS: tuple[str, ...] = ("nhs_code", "ons_code", "name")

RENAMED_ONS_CODES: dict[str, str] = {
    "E08000020": "E08000037",  # Gateshead, recoded April 2013
    "E06000048": "E06000057",  # Northumberland, recoded April 2013
}
"""ONS codes replaced without a change of area -> the current code (stored for every month)."""

REPLACED_2019: dict[str, tuple[str, ...]] = {
    "E06000058": ("E06000028", "E06000029", "E10000009"),  # BCP: Bournemouth, Poole, Dorset
    "E06000059": ("E10000009",),  # Dorset (unitary): Dorset county
}
"""Councils created in April 2019 -> the councils whose areas they took over."""

NON_ENGLISH_CODES: dict[str, str] = {
    "9900": "Resident in Wales",
    "9901": "Resident in Scotland",
    "9902": "Resident outside GB",
}
"""NHS England's codes for patients who are not residents of an English council."""


@dataclass(frozen=True)
class CouncilCode:
    """One row of the code table."""

    nhs_code: str
    ons_code: str
    name: str


def codes_path() -> Path:
    """Where the shipped code table lives."""
    return Path(str(resources.files("lsr.data").joinpath("files", CODES_FILE)))


def read_code_table(path: Path) -> dict[str, CouncilCode]:
    """Read a code table CSV (``nhs_code, ons_code, name``) keyed by NHS code."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in CODES_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        table: dict[str, CouncilCode] = {}
        for row in reader:
            code = normalise_nhs_code(row["nhs_code"])
            if code in table:
                raise ValueError(f"{path.name}: NHS code {code} appears twice")
            table[code] = CouncilCode(code, row["ons_code"].strip(), row["name"].strip())
    return table


@functools.cache
def nhs_council_codes() -> dict[str, CouncilCode]:
    """The shipped table: NHS council code -> :class:`CouncilCode` (current ONS code)."""
    return read_code_table(codes_path())


def normalise_nhs_code(text: str) -> str:
    """An NHS council code as text, upper case (``716``, ``00KB``)."""
    return text.strip().upper()


def current_ons_code(code: str) -> str:
    """The code a council is stored under: the current code for a recoded council."""
    return RENAMED_ONS_CODES.get(code, code)


def is_non_english(code: str, name: str) -> bool:
    """Whether a row is for residents of Wales, Scotland or outside Great Britain."""
    return code in NON_ENGLISH_CODES or name.casefold().startswith("resident")
