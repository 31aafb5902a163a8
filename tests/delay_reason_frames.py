"""Small hand-made frames of delayed days by reason and responsible organisation, for the core
and report tests of the "delays by reason" section. Crafted numbers, never presented as real."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from lsr.core.delay_reasons import REASONS

CODES = tuple(r.code for r in REASONS)


def month_rows(
    area: str,
    period: date,
    reasons: Mapping[str, float],
    agencies: Mapping[str, float] | None = None,
    adults: float | None = 100_000.0,
) -> list[dict[str, Any]]:
    """Rows for one area and month. Reasons not named are 0 unless ``reasons`` is meant to
    lack them: pass every code you want present (use :func:`full` for all eleven). Agencies
    default to all days attributed to the NHS."""
    total = float(sum(reasons.values()))
    if agencies is None:
        agencies = {"nhs": total, "social_care": 0.0, "both": 0.0}
    rows = [
        {
            "area_code": area,
            "period": pd.Timestamp(period),
            "breakdown": "reason",
            "category": code,
            "days": float(days),
            "adults": adults,
        }
        for code, days in reasons.items()
    ]
    rows += [
        {
            "area_code": area,
            "period": pd.Timestamp(period),
            "breakdown": "responsible_org",
            "category": agency,
            "days": float(days),
            "adults": adults,
        }
        for agency, days in agencies.items()
    ]
    return rows


def full(**days: float) -> dict[str, float]:
    """All eleven reason codes, 0 unless given."""
    return {code: float(days.get(code, 0.0)) for code in CODES}


def without_o(**days: float) -> dict[str, float]:
    """The ten codes of months before April 2017 (no ``O``), 0 unless given."""
    return {code: float(days.get(code, 0.0)) for code in CODES if code != "O"}


def frame(*row_lists: list[dict[str, Any]]) -> pd.DataFrame:
    """One long frame from lists of rows."""
    return pd.DataFrame([r for rows in row_lists for r in rows])
