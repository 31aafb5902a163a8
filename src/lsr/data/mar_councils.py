"""Emergency admissions (all ages) for councils, from the MAR by commissioner.

NHS England publishes the Monthly Activity Return by commissioner (primary care trust until
March 2013, clinical commissioning group from April 2013), not by council. A council gets a
figure only for the months in which one commissioner, or a group of commissioners, covers
exactly its area and nothing else: the shipped table ``files/ccg_council.csv`` lists them
(with the months each holds for and the basis of each row), and ``files/ccg_council_gaps.csv``
gives the reason for the councils and months it leaves out. See docs/sources/mar.md and
docs/methods/emergency-admissions-mar.md.

:func:`mar_counts` derives the tidy counts of ``emergency_admissions_all`` (numerator: the
commissioners' total non-elective G&A admissions in the month; denominator: the council's
population of all ages), plus England; :func:`mar_availability` says why a council has none.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data.denominators import population_year_sql
from lsr.data.errors import LoadError
from lsr.data.loading import check_area_code, read_csv_text, require_columns
from lsr.data.sources.mar import ENGLAND_CODE, TABLE

INDICATOR = "emergency_admissions_all"
MEASURE = "non_elective"
"""The MAR column behind the indicator: Total Non-elective G&A Admissions (FFCEs)."""

FILES = Path(__file__).parent / "files"
CCG_COUNCIL_FILE = FILES / "ccg_council.csv"
GAPS_FILE = FILES / "ccg_council_gaps.csv"

MAPPING_COLUMNS: tuple[str, ...] = (
    "council_code",
    "council_name",
    "commissioner_code",
    "commissioner_name",
    "from_month",
    "to_month",
    "basis",
)
GAP_COLUMNS: tuple[str, ...] = ("council_code", "council_name", "from_month", "to_month", "reason")

NOT_COVERED = (
    "not available: the council is served by commissioners (CCGs) that also cover other "
    "councils, so no Monthly Activity Return figure matches its area"
)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_ORG_RE = re.compile(r"^[A-Z0-9]{3,5}$")


def _month(value: str, *, file: Path, row: int, field: str, blank: date | None = None) -> date:
    text = value.strip()
    if not text and blank is not None:
        return blank
    m = _MONTH_RE.match(text)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise LoadError(file, f"{text!r} is not a month (expected YYYY-MM)", row=row, field=field)
    return date(int(m.group(1)), int(m.group(2)), 1)


def read_ccg_council(path: Path | str = CCG_COUNCIL_FILE) -> pd.DataFrame:
    """The council-commissioner table, validated; ``from_month``/``to_month`` as dates.

    Rows of one council with the same months form a group whose counts are summed. Checks:
    well-formed codes and months, ``from_month <= to_month``, a basis on every row, no row
    twice, a council's groups do not overlap in time, and a commissioner stands for one
    council at a time."""
    path = Path(path)
    frame = read_csv_text(path)
    require_columns(path, list(frame.columns), MAPPING_COLUMNS, what="the CCG-council table")
    records = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        council = check_area_code(rec["council_code"], file=path, field="council_code", row=i)
        org = rec["commissioner_code"].strip().upper()
        if not _ORG_RE.match(org):
            raise LoadError(
                path,
                f"{org!r} is not an NHS organisation code",
                row=i,
                field="commissioner_code",
            )
        start = _month(rec["from_month"], file=path, row=i, field="from_month")
        end = _month(rec["to_month"], file=path, row=i, field="to_month")
        if end < start:
            raise LoadError(
                path, f"to_month {end:%Y-%m} is before from_month", row=i, field="to_month"
            )
        if not rec["basis"].strip():
            raise LoadError(path, "every row needs its basis", row=i, field="basis")
        records.append(
            {
                "council_code": council,
                "council_name": rec["council_name"].strip(),
                "commissioner_code": org,
                "commissioner_name": rec["commissioner_name"].strip(),
                "from_month": start,
                "to_month": end,
                "basis": rec["basis"].strip(),
                "row": i,
            }
        )
    table = pd.DataFrame(records, columns=[*MAPPING_COLUMNS, "row"])
    _check_overlaps(path, table)
    return table


def _check_overlaps(path: Path, table: pd.DataFrame) -> None:
    seen: dict[tuple[str, str, date], int] = {}
    for rec in table.itertuples(index=False):
        key = (rec.council_code, rec.commissioner_code, rec.from_month)
        if key in seen:
            raise LoadError(
                path,
                f"{rec.commissioner_code} for {rec.council_code} from {rec.from_month:%Y-%m} "
                f"appears twice (also row {seen[key]})",
                row=rec.row,
                field="commissioner_code",
            )
        seen[key] = rec.row
    for council, rows in table.groupby("council_code"):
        spans = sorted({(r.from_month, r.to_month) for r in rows.itertuples(index=False)})
        for (a0, a1), (b0, b1) in pairwise(spans):
            if b0 <= a1:
                row = int(rows[(rows["from_month"] == b0) & (rows["to_month"] == b1)]["row"].min())
                raise LoadError(
                    path,
                    f"{council}: months {b0:%Y-%m} to {b1:%Y-%m} overlap {a0:%Y-%m} to "
                    f"{a1:%Y-%m}; a council's groups of commissioners must not overlap",
                    row=row,
                    field="from_month",
                )
    for org, rows in table.groupby("commissioner_code"):
        recs = sorted(rows.itertuples(index=False), key=lambda r: r.from_month)
        for a, b in pairwise(recs):
            if b.from_month <= a.to_month and a.council_code != b.council_code:
                raise LoadError(
                    path,
                    f"{org} stands for {a.council_code} (row {a.row}) and {b.council_code} in "
                    "the same months; a commissioner covers one council at a time",
                    row=b.row,
                    field="commissioner_code",
                )


def read_ccg_council_gaps(path: Path | str = GAPS_FILE) -> pd.DataFrame:
    """The reasons why councils (and months) have no figure; blank months mean all months."""
    path = Path(path)
    frame = read_csv_text(path)
    require_columns(path, list(frame.columns), GAP_COLUMNS, what="the CCG-council gaps table")
    records = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        council = check_area_code(rec["council_code"], file=path, field="council_code", row=i)
        start = _month(rec["from_month"], file=path, row=i, field="from_month", blank=date.min)
        end = _month(rec["to_month"], file=path, row=i, field="to_month", blank=date.max)
        if not rec["reason"].strip():
            raise LoadError(path, "every row needs its reason", row=i, field="reason")
        records.append(
            {
                "council_code": council,
                "council_name": rec["council_name"].strip(),
                "from_month": start,
                "to_month": end,
                "reason": rec["reason"].strip(),
            }
        )
    return pd.DataFrame(records, columns=list(GAP_COLUMNS))


_COUNTS_TEMPLATE = f"""
WITH ne AS (
    SELECT period, org_code, org_type, value FROM {TABLE} WHERE measure = '{MEASURE}'
),
months AS (SELECT DISTINCT period FROM ne),
expected AS (
    SELECT m.council_code, p.period, m.commissioner_code
    FROM _lsr_ccg_council m JOIN months p ON p.period BETWEEN m.from_month AND m.to_month
),
councils AS (
    SELECT e.council_code AS area_code, e.period,
           count(*) AS expected, count(ne.value) AS found, sum(ne.value) AS numerator,
           string_agg(e.commissioner_code, ' + ' ORDER BY e.commissioner_code) AS codes
    FROM expected e LEFT JOIN ne ON ne.period = e.period AND ne.org_code = e.commissioner_code
    GROUP BY e.council_code, e.period
),
england AS (
    SELECT '{ENGLAND_CODE}' AS area_code, period,
           sum(CASE WHEN org_type = 'england' THEN value ELSE -value END) AS numerator,
           string_agg(CASE WHEN org_type = 'national' THEN org_code END, ', '
                      ORDER BY org_code) AS national
    FROM ne WHERE org_type IN ('england', 'national')
    GROUP BY period
    HAVING count(*) FILTER (WHERE org_type = 'england') = 1
),
counts AS (
    SELECT area_code, period, numerator,
           'NHS England Monthly Activity Return by commissioner, total non-elective G&A '
               || 'admissions of ' || codes AS what
    FROM councils WHERE found = expected
    UNION ALL
    SELECT area_code, period, numerator,
           'NHS England Monthly Activity Return, England total of non-elective G&A admissions'
               || coalesce(' less national commissioning (' || national || ')', '') AS what
    FROM england
),
pop AS (SELECT area_code, year, population FROM population WHERE age_band = 'all'),
matched AS (
    SELECT c.*, {{pop_year}} AS pop_year
    FROM counts c
)
SELECT '{INDICATOR}' AS indicator, m.area_code, m.period, m.numerator,
       p.population AS denominator, FALSE AS synthetic,
       m.what || '; ONS mid-year population ' || m.pop_year AS source
FROM matched m JOIN pop p ON p.area_code = m.area_code AND p.year = m.pop_year
WHERE p.population > 0 AND NOT EXISTS (  -- counts loaded for the indicator take precedence
    SELECT 1 FROM indicator_counts c
    WHERE c.indicator = '{INDICATOR}' AND c.area_code = m.area_code AND c.period = m.period
)
ORDER BY m.area_code, m.period
"""


def _counts_sql(population_year: int | None) -> str:
    year = population_year_sql("c", "area_code", "period", population_year)
    return _COUNTS_TEMPLATE.replace("{pop_year}", year)


def mar_counts(
    con: duckdb.DuckDBPyConnection,
    mapping: pd.DataFrame | None = None,
    *,
    population_year: int | None = None,
) -> pd.DataFrame:
    """Tidy counts of ``emergency_admissions_all`` from the loaded MAR, one row per council
    (or England) and month: ``indicator, area_code, period, numerator, denominator,
    synthetic, source``.

    A council's numerator is the total non-elective G&A admissions of the commissioner(s)
    that cover exactly its area in that month (``mapping``, by default the shipped
    :data:`CCG_COUNCIL_FILE`); a month in which one of a group is missing is left out.
    England's numerator is the England row less national commissioning (NHS England ``X24``,
    the National Commissioning Group ``YDD82``), i.e. the sum of all local commissioners, like
    the councils'. The denominator is the population of all ages for the period's year (the
    latest earlier year when missing, the earliest when the period precedes them all), or the
    ``population_year`` estimate for every period when it is given. Counts loaded with
    ``lsr load counts`` for the same indicator, area and month win."""
    table = read_ccg_council() if mapping is None else mapping
    view = table[["council_code", "commissioner_code", "from_month", "to_month"]]
    con.register("_lsr_ccg_council", view)
    try:
        frame = con.execute(_counts_sql(population_year)).df()
    finally:
        con.unregister("_lsr_ccg_council")
    frame["period"] = pd.to_datetime(frame["period"])
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame


def _span(start: date, end: date) -> str:
    if start == date.min and end == date.max:
        return ""
    if end == date.max:
        return f" (from {start:%B %Y})"
    if start == date.min:
        return f" (to {end:%B %Y})"
    return f" ({start:%B %Y} to {end:%B %Y})"


def mar_availability(con: duckdb.DuckDBPyConnection, area_code: str) -> str | None:
    """Why ``area_code`` has no MAR emergency-admissions figure, or ``None`` when it has some.

    ``None`` means at least one month is available (a council may be covered only for some
    months: see :data:`GAPS_FILE`)."""
    loaded = con.execute(f"SELECT count(*) FROM {TABLE} WHERE measure = ?", [MEASURE]).fetchall()
    if not loaded[0][0]:
        return (
            "not available: no Monthly Activity Return workbooks are loaded "
            "(`lsr load mar FILES...`)"
        )
    counts = mar_counts(con)
    if (counts["area_code"] == area_code).any():
        return None
    has_pop = con.execute(
        "SELECT count(*) FROM population WHERE area_code = ? AND age_band = 'all'", [area_code]
    ).fetchall()[0][0]
    mapping = read_ccg_council()
    mine = mapping[mapping["council_code"] == area_code]
    if (area_code == ENGLAND_CODE or not mine.empty) and not has_pop:
        return (
            f"not available: the store has no population of all ages for {area_code}, "
            "the denominator (`lsr load population`)"
        )
    if area_code == ENGLAND_CODE:
        return "not available: the loaded workbooks have no England non-elective total"
    if not mine.empty:
        spans = sorted({(r.from_month, r.to_month) for r in mine.itertuples(index=False)})
        months = ", ".join(f"{a:%B %Y} to {b:%B %Y}" for a, b in spans)
        return (
            "not available: none of the loaded MAR months falls in the months for which its "
            f"commissioners cover exactly its area ({months}), or a commissioner is missing "
            "from them"
        )
    gaps = read_ccg_council_gaps()
    mine_gaps = gaps[gaps["council_code"] == area_code]
    if mine_gaps.empty:
        known = con.execute("SELECT count(*) FROM areas WHERE code = ?", [area_code]).fetchall()
        if not known[0][0]:
            return f"not available: {area_code} is not an area in the store (see `lsr areas`)"
        return NOT_COVERED
    reasons = [
        f"{r.reason}{_span(r.from_month, r.to_month)}" for r in mine_gaps.itertuples(index=False)
    ]
    return "not available: " + "; ".join(reasons)


def mar_suspect_months(
    con: duckdb.DuckDBPyConnection,
    counts: pd.DataFrame | None = None,
    *,
    low: float = 0.7,
    high: float = 1.4,
    window: int = 12,
) -> pd.DataFrame:
    """Months whose MAR figure looks incomplete: below ``low`` (or above ``high``) times the
    median of the same area's figures in the ``window`` months either side (itself included;
    the median of 25 months is not moved by a few bad ones).

    The MAR counts what providers submitted: when a large trust did not submit, its
    commissioners' totals fall (Gloucestershire, December 2016 to June 2017: about 600 a month
    instead of about 4,800). Nothing is removed; this lists the months for the report to
    flag, with the publisher's notes of the month (``mar_notes``), which do not always say.
    Columns: ``area_code, period, numerator, median, ratio, notes``."""
    frame = mar_counts(con) if counts is None else counts
    parts = []
    for area, rows in frame.groupby("area_code"):
        series = rows.set_index("period")["numerator"].sort_index().asfreq("MS")
        median = series.rolling(2 * window + 1, center=True, min_periods=window).median()
        part = pd.DataFrame({"numerator": series, "median": median}).dropna()
        part["area_code"] = area
        parts.append(part.reset_index())
    columns = ["area_code", "period", "numerator", "median", "ratio"]
    if not parts:
        return pd.DataFrame(columns=[*columns, "notes"])
    every = pd.concat(parts, ignore_index=True)
    every["ratio"] = every["numerator"] / every["median"]
    odd = every[(every["median"] > 0) & ~every["ratio"].between(low, high)][columns]
    notes = con.execute(
        "SELECT period, string_agg(note, ' | ' ORDER BY line) AS notes FROM mar_notes "
        "GROUP BY period"
    ).df()
    notes["period"] = pd.to_datetime(notes["period"])
    return odd.merge(notes, on="period", how="left").reset_index(drop=True)
