"""Read an uploaded action plan workbook, within bounds, before anything is checked or saved.

A workbook is a zip of XML parts: a file of a few kilobytes can unzip to gigabytes, or hold a
sheet of a million blank rows that a normal openpyxl load walks cell by cell (a 300,000-row
sheet kept a server worker busy for 107 s). So, in this order, each a clear error:

1. the file's size (:data:`~lsr.web.plan.excel_format.MAX_FILE_BYTES`);
2. the zip's parts: how many, and their size once unzipped, as the zip declares it (Python's
   ``zipfile`` never unzips a part past its declared size);
3. openpyxl in **read-only** mode (rows streamed from the sheet's XML, never the whole sheet in
   memory; defusedxml guards the XML parser when installed, as it is with ``lsr``), the
   dimension the file declares ignored (it can lie), and reading stops at the first row past
   :data:`~lsr.web.plan.excel_format.MAX_ROWS` or at a value past
   :data:`~lsr.web.plan.excel_format.MAX_COLUMNS`.

Texts come back as Excel means them: ``_xHHHH_`` escapes (how .xlsx writes characters XML
cannot hold) are decoded, as Excel decodes them on opening.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from lsr.web.plan.excel_format import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_PARTS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    SHEETS,
    ImportError_,
)

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: An underscore that starts what would read as an escape.
_ESCAPE_START = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def decode_escapes(text: str) -> str:
    """``_x0041_`` as ``A`` and ``_x005F_x0041_`` as ``_x0041_`` (ECMA-376 ``ST_Xstring``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def encode_escapes(text: str) -> str:
    """The inverse of :func:`decode_escapes` for a text that holds ``_xHHHH_`` literally."""
    return _ESCAPE_START.sub("_x005F_", text)


@dataclass
class Row:
    """One non-blank row of a sheet: its number in the sheet and its values by column name."""

    number: int
    values: dict[str, Any]


def _value(v: Any) -> Any:
    return decode_escapes(v) if isinstance(v, str) else v


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _check_zip(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ImportError_(
            [
                f"the workbook is {len(data) / 1e6:.1f} MB; the most an import takes is "
                f"{MAX_FILE_BYTES // 1_000_000} MB"
            ]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportError_(["the file is not an .xlsx workbook (it is not a zip file)"]) from None
    if len(parts) > MAX_PARTS:
        raise ImportError_(
            [f"the workbook has {len(parts):,} parts; an .xlsx workbook has at most {MAX_PARTS:,}"]
        )
    unzipped = sum(p.file_size for p in parts)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ImportError_(
            [
                f"the workbook unzips to {unzipped / 1e6:,.0f} MB; the most an import takes is "
                f"{MAX_UNZIPPED_BYTES // 1_000_000} MB (delete unused rows, columns and sheets)"
            ]
        )


def _read_sheet(ws: Any, columns: tuple[str, ...], errors: list[str]) -> list[Row]:
    title = ws.title
    ws.reset_dimensions()  # read every row the XML holds, whatever size the file declares
    rows: list[Row] = []
    index: dict[str, int] = {}
    for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS + 1:
            errors.append(
                f"sheet {title!r} has more than {MAX_ROWS:,} rows after the header row "
                f"(reading stopped at row {number:,}; blank rows count too): delete the unused "
                "rows below your data or split the workbook"
            )
            return []
        if len(cells) > MAX_COLUMNS:
            extra = next(
                (i for i, v in enumerate(cells[MAX_COLUMNS:], MAX_COLUMNS + 1) if not _blank(v)),
                None,
            )
            if extra is not None:
                errors.append(
                    f"sheet {title!r}, row {number}: a value in column {extra:,}; the most a "
                    f"sheet may fill is {MAX_COLUMNS} columns"
                )
                return []
        if number == 1:
            header = [str(v).strip() if v is not None else "" for v in cells]
            missing = [c for c in columns if c not in header]
            twice = sorted({c for c in columns if header.count(c) > 1})
            if missing:
                errors.append(f"sheet {title!r}, row 1: missing column(s) {', '.join(missing)}")
            if twice:
                errors.append(f"sheet {title!r}, row 1: column(s) {', '.join(twice)} twice")
            if missing or twice:
                return []
            index = {name: header.index(name) for name in columns}
            continue
        if all(_blank(v) for v in cells):
            continue
        values = {name: (_value(cells[i]) if i < len(cells) else None) for name, i in index.items()}
        rows.append(Row(number, values))
    if not index:
        errors.append(f"sheet {title!r}, row 1: the header row is missing")
    return rows


def read_workbook(data: bytes) -> dict[str, list[Row]]:
    """The non-blank rows of each sheet of the format, by sheet name; raises
    :class:`~lsr.web.plan.excel_format.ImportError_` for a file past the limits, a file that
    is not an .xlsx workbook, a missing sheet or missing columns."""
    _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportError_(
            [f"the file is not an .xlsx workbook ({exc.__class__.__name__})"]
        ) from None
    try:
        missing = [name for name in SHEETS if name not in wb.sheetnames]
        if missing:
            raise ImportError_([f"sheet {name!r} is missing" for name in missing])
        errors: list[str] = []
        sheets = {}
        for name, columns in SHEETS.items():
            try:
                sheets[name] = _read_sheet(wb[name], columns, errors)
            except ImportError_:
                raise
            except Exception as exc:  # a damaged sheet: openpyxl's parser raises many kinds
                errors.append(f"sheet {name!r} cannot be read ({exc.__class__.__name__})")
        if errors:
            raise ImportError_(errors)
        return sheets
    finally:
        wb.close()
