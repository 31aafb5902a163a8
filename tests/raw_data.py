"""Where the real published files live in the repository (``data/raw``), for loader tests.

Every loader is tested on every real file of its series found here, and on broken copies."""

from __future__ import annotations

from pathlib import Path

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
"""The raw public files (see data/raw/README.md for sources and licences)."""


def raw(*parts: str) -> Path:
    """A path under ``data/raw``."""
    return RAW.joinpath(*parts)
