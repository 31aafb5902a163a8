"""Build lsr/data/files/nhs_council_codes.csv: NHS council code -> ONS code, from the workbooks.

Where it comes from: NHS England's monthly "Total Delayed Days Local Authority" (LA Type B)
workbooks (Open Government Licence v3.0). Until June 2015 they name each council only by its NHS
(ODS) council code (716 Barking & Dagenham, 00KB Bedford); from July 2015 they also give the ONS
code ("ONS Geography"). This script reads every workbook under data/raw/dtoc*/ that has both
columns (July 2015 - December 2016 and the 2018 months in the repository), takes each council's
pair of codes from the 'LA - by type of care' sheet, checks that every workbook agrees (one ONS
code per NHS code and one NHS code per ONS code), and writes the table sorted by NHS code with
the council's name as NHS England spells it in the latest workbook. ONS codes replaced without a
change of area (Gateshead, Northumberland, April 2013) are written as the current code.

Usage (from the repository root):

    python scripts/build_nhs_council_codes.py [--check]

``--check`` compares with the shipped table instead of writing it (exit 1 if they differ).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import date
from pathlib import Path

import xlrd

from lsr.data.loading import AREA_CODE_RE
from lsr.data.sources.dtoc import find_sheets
from lsr.data.sources.dtoc_codes import CODES_COLUMNS, codes_path, current_ons_code, is_non_english
from lsr.data.sources.dtoc_sheet import cell_text, find_header_row, find_period, locate_columns

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


def pairs_in(path: Path) -> tuple[date, list[tuple[str, str, str]]] | None:
    """(period, [(nhs_code, ons_code, name)]) of one workbook, or None if it has no ONS column."""
    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        sheet = book.sheet_by_name(find_sheets(path, book.sheet_names())["type_of_care"])
        header = find_header_row(sheet, path)
        cols = locate_columns(sheet, header, "type_of_care", path)
        if cols.ons is None:
            return None
        rows = []
        for r in range(header + 1, sheet.nrows):
            ons = cell_text(sheet.cell_value(r, cols.ons))
            code = cell_text(sheet.cell_value(r, cols.code)).upper()
            name = cell_text(sheet.cell_value(r, cols.name))
            if AREA_CODE_RE.match(ons) and ons != "E92000001" and not is_non_english(code, name):
                rows.append((code, current_ons_code(ons), name))
        return find_period(sheet, header, path), rows
    finally:
        book.release_resources()


def build() -> str:
    """The table as CSV text; raises SystemExit if two workbooks disagree."""
    by_nhs: dict[str, tuple[str, str, date, str]] = {}
    by_ons: dict[str, tuple[str, str]] = {}
    files = sorted(RAW.glob("dtoc*/*.xls"))
    used = 0
    for path in files:
        found = pairs_in(path)
        if found is None:
            continue
        used += 1
        period, rows = found
        for code, ons, name in rows:
            if code in by_nhs and by_nhs[code][0] != ons:
                sys.exit(
                    f"{path.name}: NHS code {code} is {ons}, but {by_nhs[code][3]} has "
                    f"{by_nhs[code][0]}"
                )
            if ons in by_ons and by_ons[ons][0] != code:
                sys.exit(
                    f"{path.name}: {ons} has NHS code {code}, but {by_ons[ons][1]} has "
                    f"{by_ons[ons][0]}"
                )
            by_ons[ons] = (code, path.name)
            if code not in by_nhs or period >= by_nhs[code][2]:
                by_nhs[code] = (ons, name, period, path.name)
    print(
        f"{used} of {len(files)} workbooks carry ONS codes; {len(by_nhs)} councils", file=sys.stderr
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CODES_COLUMNS)
    for code in sorted(by_nhs):
        ons, name, _, _ = by_nhs[code]
        writer.writerow([code, ons, name])
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = build()
    target = codes_path()
    if args.check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{target} differs from the workbooks", file=sys.stderr)
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
