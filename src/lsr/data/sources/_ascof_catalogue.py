"""The ASCOF measures: codes, names over the years, units and ranges.

Not a source module of its own (it reads no file): :mod:`lsr.data.sources.ascof` uses it to
put a code on every measure, whether a file gives the code (NHS Digital's open data: ``2A2``,
``1C1A``, ``2A(2)_1415`` ...) or only the measure's name (the compiled tables, whose names
change from year to year: "The proportion of people who use services who receive direct
payments" in 2018-19, "Proportion of people using social care who receive direct payments"
from 2019-20).
"""

from __future__ import annotations

import re

__all__ = [
    "AMBIGUOUS_SECOND",
    "COUNCIL_TYPES",
    "DISAGGREGATIONS",
    "KNOWN_CODES",
    "MULTIPLIERS",
    "SURVEY_CODES",
    "canonical_code",
    "canonical_disaggregation",
    "code_for_name",
    "maximum",
    "unit_for",
]

_CODE_RE = re.compile(
    r"^\s*(\d)\s*([A-Za-z])\s*\(?\s*(\d)?\s*([A-Za-z])?\s*\)?\s*(?:_\s*\d{4})?\s*$"
)


def canonical_code(text: str) -> str | None:
    """An ASCOF measure code in the published form: ``2A2`` -> ``2A(2)``, ``1C1A`` ->
    ``1C(1A)``, ``1I1`` -> ``1I(1)``, ``1A`` -> ``1A``, ``2A(2)_1415`` -> ``2A(2)``;
    ``None`` if the text is not a code."""
    m = _CODE_RE.match(text)
    if m is None:
        return None
    domain, letter, number, part = m.groups()
    code = f"{domain}{letter.upper()}"
    if number:
        code += f"({number}{(part or '').upper()})"
    elif part:
        return None
    return code


def _norm(name: str) -> str:
    text = name.casefold().replace("–", "-").replace("—", "-").replace("(", " ").replace(")", " ")
    return " ".join(text.split())


def code_for_name(name: str) -> str | None:
    """The ASCOF code of a measure from its published name (any year's wording), or ``None``.

    Names that do not say whether they are about people who use services or about carers
    (the 2019-20 compiled table's direct payments and self-directed support) give the
    service-user code; see :data:`AMBIGUOUS_SECOND`."""
    t = _norm(name)
    carers_only = "carer" in t and not any(
        w in t for w in ("people who use services", "people using social care", "service user")
    )
    if "delayed transfers" in t:
        if "jointly" in t:
            return "2C(3)"
        if "attributable to adult social care" in t or "attributable to social care" in t:
            return "2C(2)"
        return "2C(1)"
    if "residential and nursing care homes" in t or "permanent admission" in t:
        if "65 and over" in t or "older" in t:
            return "2A(2)"
        if "18-64" in t or "18 to 64" in t or "younger" in t:
            return "2A(1)"
        return None
    if "91 days" in t:
        return "2B(2)" if "offered" in t else "2B(1)"
    if "received reablement" in t or "receiving reablement" in t:
        return "2B(2)"
    if "carer-reported quality of life" in t or "carer reported quality of life" in t:
        return "1D"
    if "impact of adult social care" in t or t.startswith("adjusted social care"):
        return "1J"
    if "social care-related quality of life" in t or "social care related quality of life" in t:
        return "1A"
    if "control over their daily life" in t:
        return "1B"
    if "direct payments" in t:
        return "1C(2B)" if carers_only else "1C(2A)"
    if "self-directed support" in t or "self directed support" in t:
        return "1C(1B)" if carers_only else "1C(1A)"
    if "learning disabilit" in t:
        if "paid employment" in t:
            return "1E"
        if "own home" in t or "with their family" in t:
            return "1G"
        return None
    if "secondary mental health" in t:
        if "paid employment" in t:
            return "1F"
        if "independently" in t:
            return "1H"
        return None
    if "social contact" in t:
        return "1I(2)" if carers_only else "1I(1)"
    if "overall satisfaction" in t:
        return "3B" if carers_only else "3A"
    if "included or consulted" in t:
        return "3C"
    if "easy to find information" in t:
        return "3D(2)" if carers_only else "3D(1)"
    if "made them feel safe" in t or "feel safe and secure" in t:
        return "4B"
    if "feel safe" in t:
        return "4A"
    if "short-term service" in t or "short term service" in t or "sequel to service" in t:
        return "2D"
    return None


AMBIGUOUS_SECOND: dict[str, str] = {"1C(1A)": "1C(1B)", "1C(2A)": "1C(2B)"}
"""The 2019-20 compiled table names the service-user and the carer measures of self-directed
support and direct payments alike ("Proportion of people using social care who receive direct
payments" twice per council). The first of each pair is the service-user measure, the second
the carer measure: England's first values (27.9%, 91.9%) continue the service-user series
(28.3% in 2018-19, 26.6% in 2020-21) and the second (77.1%, 86.9%) the carer series (73.4%,
75.3%; 83.3%, 87.1%)."""

SURVEY_CODES: frozenset[str] = frozenset(
    {"1A", "1B", "1D", "1I(1)", "1I(2)", "1J", "3A", "3B", "3C", "3D(1)", "3D(2)", "4A", "4B"}
)
"""Measures from the Adult Social Care Survey or the Survey of Adult Carers: their numerators
and denominators are weighted estimates (rounded), not counts."""

MULTIPLIERS: dict[str, float] = {
    "1A": 1.0,
    "1D": 1.0,
    "2A(1)": 100_000.0,
    "2A(2)": 100_000.0,
}
"""``value = numerator / denominator x multiplier`` (100 for the other, percentage measures;
1J and the 2C measures have no published numerator and denominator)."""

_UNITS: dict[str, str] = {
    "1A": "score out of 24",
    "1D": "score out of 12",
    "1J": "score (share of quality of life attributable to services)",
    "2A(1)": "per 100,000 population aged 18-64",
    "2A(2)": "per 100,000 population aged 65+",
    "2C(1)": "delayed days per day per 100,000 population aged 18+",
    "2C(2)": "delayed days per day per 100,000 population aged 18+",
    "2C(3)": "delayed days per day per 100,000 population aged 18+",
}
_MAXIMA: dict[str, float] = {"1A": 24.0, "1D": 12.0, "1J": 1.0}


KNOWN_CODES: frozenset[str] = frozenset(
    {
        "1A", "1B", "1C(1A)", "1C(1B)", "1C(2A)", "1C(2B)", "1D", "1E", "1F", "1G", "1H",
        "1I(1)", "1I(2)", "1J", "2A(1)", "2A(2)", "2B(1)", "2B(2)", "2C(1)", "2C(2)", "2C(3)",
        "2D", "3A", "3B", "3C", "3D(1)", "3D(2)", "4A", "4B",
    }
)  # fmt: skip
"""The ASCOF measures of 2014-15 to 2022-23, whose units and ranges are known. An official
file's other codes (a later framework's new measures) are stored with the unit "as published"
and no range check."""


def unit_for(code: str) -> str:
    """The unit of an ASCOF measure's value (``%`` unless listed otherwise; "as published"
    for a code not in :data:`KNOWN_CODES`)."""
    if code not in KNOWN_CODES:
        return "as published"
    return _UNITS.get(code, "%")


def maximum(code: str) -> float | None:
    """The largest possible value (100 for percentages, 24 for 1A ...), ``None`` if unbounded."""
    if code in _MAXIMA:
        return _MAXIMA[code]
    if unit_for(code) == "%":
        return 100.0
    return None


DISAGGREGATIONS: dict[str, str] = {
    "total": "Total",
    "all": "Total",
    "1864": "18-64",
    "18to64": "18-64",
    "65andover": "65 and over",
    "65over": "65 and over",
    "65": "65 and over",
    "female": "Female",
    "females": "Female",
    "male": "Male",
    "males": "Male",
    "85andover": "85 and over",
    "85over": "85 and over",
    "64andunder": "64 and under",
    "64under": "64 and under",
    "6584": "65-84",
    "6574": "65-74",
    "7584": "75-84",
}
"""Disaggregation labels, keyed by their letters and digits, in one spelling."""


def canonical_disaggregation(text: str) -> str:
    """One spelling for a disaggregation (``"65 And Over"``, ``"65+"`` -> ``65 and over``);
    labels not listed are kept as written (spacing normalised)."""
    key = "".join(ch for ch in text.casefold() if ch.isalnum())
    return DISAGGREGATIONS.get(key, " ".join(text.split()))


COUNCIL_TYPES: frozenset[str] = frozenset(
    {
        "counciltype",
        "innerlondon",
        "outerlondon",
        "metropolitandistrict",
        "metropolitandistricts",
        "shirecounties",
        "shirecounty",
        "unitaryauthority",
        "unitaryauthorities",
        "londonboroughs",
    }
)
"""Groups of councils in the official open data (``Geographical Level`` "Council Type", or the
group's name where an older file puts names in that column), keyed by letters only: rows with
no ONS code and one of these are left out."""
