"""Public data sources: one module per published series.

Each module here reads one publisher's series *as published* (every layout it has had), and
says so in a module-level :class:`SourceInfo` named ``SOURCE``: the publisher, the licence,
where the files come from and the layouts it reads. A module that stores its data in tables of
its own gives their DDL as a module-level ``SCHEMA`` string; :func:`schema_sql` collects them,
and :func:`lsr.data.store.connect` creates them. Adding the next source is one new module and
its name in :data:`SOURCE_MODULES`.

Each module offers ``read_...(path)`` (read and validate one file, no store access, raising
:class:`~lsr.data.errors.LoadError` naming file, sheet, row and field) and
``load_...(con, paths, *, skip_bad=False, progress=None)`` built on
:func:`lsr.data.loading.load_files` (every file checked before anything is written).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

__all__ = ["SOURCE_MODULES", "SourceInfo", "all_sources", "schema_sql", "source_modules"]


@dataclass(frozen=True)
class SourceInfo:
    """What a source module reads and under which terms."""

    kind: str
    """Short id, also the ``loads.kind`` of its files (e.g. ``"dtoc"``)."""
    title: str
    """The series' published title."""
    publisher: str
    licence: str
    url: str
    """Where the files are published (or archived)."""
    layouts: tuple[str, ...]
    """The layouts read, one sentence each (years, sheet names, what differs)."""
    tables: tuple[str, ...] = ()
    """Store tables the source writes."""


SOURCE_MODULES: tuple[str, ...] = (
    "dtoc",
    "ons_mye",
    "ae",
    "trust_catchment",
    "mar",
    "ascof",
    "oflog",
)
"""Modules of :mod:`lsr.data.sources`, in the order their schemas are created."""


def source_modules() -> list[ModuleType]:
    """The source modules, imported."""
    return [import_module(f"{__name__}.{name}") for name in SOURCE_MODULES]


def all_sources() -> list[SourceInfo]:
    """Every source's :class:`SourceInfo`."""
    return [module.SOURCE for module in source_modules()]


def schema_sql() -> str:
    """The DDL of every source's own tables (``CREATE TABLE IF NOT EXISTS ...``)."""
    return "\n".join(getattr(m, "SCHEMA", "") for m in source_modules())
