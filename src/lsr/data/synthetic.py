"""SYNTHETIC national counts for the five indicators that have no public data in ``lsr``.

Everything this module makes is synthetic: it is stored with ``synthetic = TRUE`` and a source
naming this generator and its seed, and every report, chart and sentence drawn from it says so.
It exists so that a newcomer sees a complete profile on first run; real figures replace it as
soon as a user loads counts (``lsr load counts``) or person-level episodes (``lsr load episodes``).

The model, per council and month (April 2014 onwards):

- a council effect, drawn once per council from a seeded stream keyed by its code (log-normal
  for rates, logit-normal for proportions), so that each council keeps its character;
- a winter season (peak in January) and a gentle national trend;
- a slowly wandering AR(1) component on the log (or logit) scale, which produces the runs and
  shifts that real series show;
- Poisson counts for rates and binomial counts for proportions.

National levels are round figures of the order seen in England in 2017/18 (documented in
``docs/methods/synthetic.md``); they are not estimates of any real council's performance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lsr.core.geography import ENGLAND_CODE

GENERATOR_VERSION = 1
DEFAULT_SEED = 20181106
DEFAULT_START = date(2014, 4, 1)
DEFAULT_MONTHS = 60


@dataclass(frozen=True)
class SyntheticIndicator:
    """National level and spread of one synthetic indicator."""

    indicator: str
    kind: str  # "rate" (per person 65+ per month) or "proportion"
    level: float  # monthly rate per person 65+, or proportion
    area_sd: float  # between-council spread (log or logit scale)
    season: float  # winter amplitude (fraction)
    trend_per_year: float  # national drift (log or logit scale per year)
    ar_sd: float  # month-to-month innovation of the AR(1) component
    denominator_from: str | None = None  # proportions: take n from this rate's counts


SYNTHETIC_INDICATORS: tuple[SyntheticIndicator, ...] = (
    SyntheticIndicator("ae_attendances_65", "rate", 0.0317, 0.12, 0.05, 0.02, 0.015),
    SyntheticIndicator("emergency_admissions_65", "rate", 0.0208, 0.10, 0.07, 0.01, 0.015),
    SyntheticIndicator("care_home_admissions_65", "rate", 0.00125, 0.20, 0.08, 0.0, 0.03),
    SyntheticIndicator(
        "long_stays_65", "proportion", 0.33, 0.15, 0.03, -0.02, 0.03, "emergency_admissions_65"
    ),
    SyntheticIndicator(
        "readmissions_30d_65", "proportion", 0.19, 0.08, 0.02, 0.0, 0.02, "emergency_admissions_65"
    ),
)


def source_label(seed: int) -> str:
    """The ``source`` recorded with synthetic rows."""
    return f"SYNTHETIC: lsr generator v{GENERATOR_VERSION}, seed {seed}"


def _area_stream(seed: int, indicator: str, area_code: str) -> np.random.Generator:
    """One seeded random stream per (indicator, council), independent of the council list."""
    digest = hashlib.sha256(f"{seed}:{indicator}:{area_code}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _months(start: date, months: int) -> list[date]:
    out = []
    y, m = start.year, start.month
    for _ in range(months):
        out.append(date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def generate_counts(
    population_65: pd.Series,
    *,
    seed: int = DEFAULT_SEED,
    start: date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
) -> pd.DataFrame:
    """Generate synthetic monthly counts for every council in ``population_65``.

    ``population_65`` maps council code to its population aged 65+. Returns a tidy frame with
    columns indicator, area_code, period, numerator, denominator, synthetic (all True) and
    source."""
    periods = _months(start, months)
    t = np.arange(months)
    years = t / 12.0
    month_of_year = np.array([p.month for p in periods])
    winter = np.cos(2 * np.pi * (month_of_year - 1) / 12.0)  # +1 in January, -1 in July
    frames: list[pd.DataFrame] = []
    admissions: dict[str, np.ndarray] = {}
    for spec in SYNTHETIC_INDICATORS:
        for code, pop in population_65.items():
            rng = _area_stream(seed, spec.indicator, str(code))
            effect = rng.normal(0.0, spec.area_sd)
            ar = np.empty(months)
            ar[0] = rng.normal(0.0, spec.ar_sd / np.sqrt(1 - 0.8**2))
            for i in range(1, months):
                ar[i] = 0.8 * ar[i - 1] + rng.normal(0.0, spec.ar_sd)
            if spec.kind == "rate":
                mean_rate = (
                    spec.level
                    * np.exp(effect + spec.trend_per_year * years + ar)
                    * (1 + spec.season * winter)
                )
                denominator = np.full(months, float(pop))
                numerator = rng.poisson(mean_rate * denominator).astype(float)
                admissions_key = f"{spec.indicator}:{code}"
                admissions[admissions_key] = numerator
            else:
                assert spec.denominator_from is not None
                n = admissions[f"{spec.denominator_from}:{code}"].astype(np.int64)
                logit = np.log(spec.level / (1 - spec.level))
                lp = logit + effect + spec.trend_per_year * years + ar + spec.season * winter
                p = 1.0 / (1.0 + np.exp(-lp))
                numerator = rng.binomial(n, p).astype(float)
                denominator = n.astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": spec.indicator,
                        "area_code": str(code),
                        "period": periods,
                        "numerator": numerator,
                        "denominator": denominator,
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out = out[out["denominator"] > 0].reset_index(drop=True)
    out["synthetic"] = True
    out["source"] = source_label(seed)
    return out


def with_england(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` plus an England row (``E92000001``) per indicator and period: the sum of the
    councils' numerators and denominators. Only for a series that covers every council, such as
    the synthetic one: the profile takes England only from England rows, never from the sum of
    whatever councils happen to be loaded."""
    councils = counts[counts["area_code"] != ENGLAND_CODE]
    england = councils.groupby(["indicator", "period"], as_index=False).agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        synthetic=("synthetic", "all"),
        source=("source", "first"),
    )
    england.insert(1, "area_code", ENGLAND_CODE)
    return pd.concat([councils, england[list(counts.columns)]], ignore_index=True)
