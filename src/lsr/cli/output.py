"""What the ``lsr`` commands write: valid JSON, and output folders and files checked first.

- :func:`json_text` / :func:`write_json`: strict JSON (RFC 8259) whatever the data hold: a
  NaN or an infinite number becomes ``null`` (``json`` would write ``NaN`` or ``Infinity``,
  which no JSON parser accepts), NumPy and pandas scalars become plain numbers, dates ISO
  text; the encoder runs with ``allow_nan=False`` so that nothing else slips through.
- :func:`prepare_out_dir` / :func:`prepare_out_file`: prove that the output folder (or the
  file) can be written *before* a command does its work, creating nothing, so that a long
  simulation never ends in a traceback; an unwritable path is a :class:`OutputError` (one line,
  exit code 2 through ``friendly_errors``). :func:`make_out_dir` creates the folder when the
  command writes.
- :func:`write_text`: write a file atomically (a temporary file in the same folder, then a
  rename), so that a failed write never leaves half a file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any


class OutputError(ValueError):
    """An output path cannot be written: one line naming the path and the reason."""


def json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinite number replaced by ``None`` (recursively through
    dicts, lists and tuples), NumPy/pandas scalars as Python numbers and dates as ISO text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    item = getattr(value, "item", None)  # NumPy scalars (and 0-d arrays)
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # NumPy arrays, pandas series
    if callable(tolist):
        return json_safe(tolist())
    try:
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (see :func:`json_safe`); never ``NaN``/``Infinity``."""
    return json.dumps(json_safe(value), indent=indent, allow_nan=False, default=str)


def dump_json(value: Any, stream: IO[str], *, indent: int | None = 2) -> None:
    """Write strict JSON of ``value`` and a newline to ``stream`` (for example stdout)."""
    stream.write(json_text(value, indent=indent) + "\n")


def write_json(path: Path, value: Any, *, indent: int | None = 2) -> Path:
    """Write strict JSON of ``value`` to ``path`` atomically; returns ``path``."""
    return write_text(path, json_text(value, indent=indent) + "\n")


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _writable_folder(folder: Path) -> str | None:
    """Why a file cannot be created in the existing folder ``folder`` (``None``: it can; a
    test file is created and removed)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return _reason(exc)
    return None


def prepare_out_dir(path: Path, *, option: str = "--out") -> Path:
    """Check, before a command does its work, that the folder ``path`` can be written.

    An existing folder must accept a new file; a folder that does not exist yet must be
    creatable: its nearest existing parent must be a folder that accepts a new one. Nothing is
    created (the command creates the folder when it writes). Raises :class:`OutputError`
    naming the path otherwise."""
    if path.exists():
        if not path.is_dir():
            raise OutputError(f"{option} {path}: this is a file, not a folder")
        why = _writable_folder(path)
        if why:
            raise OutputError(f"{option} {path}: cannot write in this folder ({why})")
        return path
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{option} {path}: cannot create this folder ({parent} is a file)")
    why = _writable_folder(parent)
    if why:
        raise OutputError(f"{option} {path}: cannot create this folder ({parent}: {why})")
    return path


def make_out_dir(path: Path, *, option: str = "--out") -> Path:
    """Create the folder ``path`` (and its parents) to write in: :class:`OutputError` naming
    it when that fails."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot create this folder ({_reason(exc)})") from None
    return path


def prepare_out_file(path: Path, *, option: str = "--out") -> Path:
    """Check that the file ``path`` can be written (its folder created if needed) without
    touching an existing file: :class:`OutputError` naming the path otherwise."""
    if path.is_dir():
        raise OutputError(f"{option} {path}: this is a folder, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{option} {path}: this file cannot be written (permission denied)")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        prepare_out_dir(folder, option=option)
    except OutputError as exc:
        reason = str(exc).removeprefix(f"{option} {folder}: ")
        raise OutputError(f"{option} {path}: cannot write this file ({folder}: {reason})") from None
    return path


def _file_mode() -> int:
    """The mode a newly created file gets (0o666 less the umask), as ``open`` would give it."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a
    rename: readers see the old file or the new one, never half of it. Raises
    :class:`OutputError` naming the path when it cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path} ({_reason(exc)})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path} ({_reason(exc)})") from None
    return path
