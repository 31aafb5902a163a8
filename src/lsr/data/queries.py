"""Read what the profile needs out of the store, as tidy frames.

The delayed-transfers indicator is derived here from the loaded workbooks and population:
numerator = total delayed days in the month, denominator = population aged 18+ x days in the
month, so that numerator / denominator x 100,000 is the average number of beds occupied each day
by delayed patients per 100,000 adults. England's row is the sum of the English councils' days
over England's population. Rows loaded with ``lsr load counts`` for ``dtoc_18`` replace the
workbook-derived row of the same area and month. The population year used is the latest year
not after the period's year (or the earliest available year when the period precedes them all),
unless a vintage is pinned (``population_year``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from lsr.core.comparators import DEFAULT_METHOD
from lsr.core.geography import ENGLAND_CODE
from lsr.core.profile import COUNT_COLUMNS
from lsr.data.comparators import default_groups
from lsr.data.denominators import population_year_sql


def dtoc_counts_sql(population_year: int | None = None) -> str:
    """SQL for the delayed-transfers indicator (``dtoc_18``) of every council and England.

    England's numerator is the sum of the English councils' delayed days (the published England
    row also counts residents of Wales, Scotland and elsewhere), over England's population 18+."""
    year = population_year_sql("d", "area_code", "period", population_year)
    return f"""
WITH councils AS (
    SELECT area_code, period, sum(days) AS days
    FROM dtoc_days
    WHERE breakdown = 'type_of_care' AND area_code != '{ENGLAND_CODE}'
    GROUP BY area_code, period
),
days AS (
    SELECT * FROM councils
    UNION ALL
    SELECT '{ENGLAND_CODE}' AS area_code, period, sum(days) AS days FROM councils GROUP BY period
),
pop AS (
    SELECT area_code, year, population FROM population WHERE age_band = '18+'
),
matched AS (
    SELECT d.area_code, d.period, d.days, {year} AS pop_year
    FROM days d
)
SELECT 'dtoc_18' AS indicator, m.area_code, m.period,
       m.days AS numerator,
       p.population * day(last_day(m.period)) AS denominator,
       FALSE AS synthetic,
       'NHS England Delayed Transfers of Care (LA Type B); ONS mid-year population '
           || m.pop_year AS source
FROM matched m JOIN pop p ON p.area_code = m.area_code AND p.year = m.pop_year
WHERE NOT EXISTS (  -- counts loaded for dtoc_18 take precedence over the workbooks
    SELECT 1 FROM indicator_counts c
    WHERE c.indicator = 'dtoc_18' AND c.area_code = m.area_code AND c.period = m.period
)
"""


DTOC_COUNTS_SQL = dtoc_counts_sql()
"""The default :func:`dtoc_counts_sql` (population for each period's year)."""


def indicator_counts(
    con: duckdb.DuckDBPyConnection, *, population_year: int | None = None
) -> pd.DataFrame:
    """All indicator numerators and denominators as one tidy frame: the counts loaded or
    generated (``indicator_counts``), delayed transfers from the DToC workbooks, A&E
    apportioned from trusts (:func:`lsr.data.ae_apportion.ae_counts`) and emergency admissions
    of all ages from the MAR (:func:`lsr.data.mar_councils.mar_counts`).

    ``population_year`` pins the population estimate every derived rate uses (e.g. 2017 to
    reproduce a report made with mid-2017 estimates); by default each period uses its own
    year's estimate, or the latest earlier one."""
    from lsr.data.ae_apportion import ae_counts
    from lsr.data.mar_councils import mar_counts

    sql = f"""
        SELECT indicator, area_code, period, numerator, denominator, synthetic, source
        FROM indicator_counts
        UNION ALL
        SELECT * FROM ({dtoc_counts_sql(population_year)})
    """
    parts = [con.execute(sql).df()]
    for derived in (
        ae_counts(con, population_year=population_year),
        mar_counts(con, population_year=population_year),
    ):
        if not derived.empty:
            parts.append(derived[list(COUNT_COLUMNS)])
    frame = pd.concat(parts, ignore_index=True)
    frame["period"] = pd.to_datetime(frame["period"])
    frame["synthetic"] = frame["synthetic"].astype(bool)
    return frame.sort_values(["indicator", "area_code", "period"], ignore_index=True)


def population_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The years of the population estimates in the store, in order."""
    rows = con.execute("SELECT DISTINCT year FROM population ORDER BY year").fetchall()
    return [int(r[0]) for r in rows]


def area_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Area code to name, for every area in the store."""
    return dict(con.execute("SELECT code, name FROM areas ORDER BY code").fetchall())


def comparator_groups(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, list[str]], str]:
    """Each area's comparators and a description of how the groups were chosen."""
    rows = con.execute(
        "SELECT area_code, peer_code, method FROM comparators ORDER BY area_code, peer_code"
    ).fetchall()
    groups: dict[str, list[str]] = {}
    methods: set[str] = set()
    for area, peer, method in rows:
        groups.setdefault(area, []).append(peer)
        methods.add(method)
    if not groups:  # none stored yet: the open default, computed from the population loaded
        return default_groups(con), DEFAULT_METHOD
    return groups, "; ".join(sorted(methods))


def find_area(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """Resolve an area name or code (case-insensitive) to its code.

    Raises ``LookupError`` with suggestions when nothing or more than one area matches."""
    names = area_names(con)
    q = query.strip().lower()
    for code, name in names.items():
        if q in (code.lower(), name.lower()):
            return code
    partial = [(c, n) for c, n in names.items() if q in n.lower()]
    if len(partial) == 1:
        return partial[0][0]
    if partial:
        options = ", ".join(n for _, n in partial[:8])
        raise LookupError(f"{query!r} matches several areas: {options}")
    raise LookupError(f"no area called {query!r}; run `lsr areas` to list the areas loaded")


DTOC_BREAKDOWNS_SQL = """
WITH councils AS (
    SELECT area_code, period, breakdown, category, days
    FROM dtoc_days
    WHERE breakdown IN ('reason', 'responsible_org') AND area_code <> 'E92000001'
),
pop AS (
    SELECT area_code, year, population FROM population WHERE age_band = '18+'
),
months AS (
    SELECT a.area_code, a.period,
           coalesce(
               (SELECT max(year) FROM pop p WHERE p.area_code = a.area_code
                    AND p.year <= year(a.period)),
               (SELECT min(year) FROM pop p WHERE p.area_code = a.area_code)
           ) AS pop_year
    FROM (SELECT DISTINCT area_code, period FROM councils) a
),
adults AS (
    SELECT m.area_code, m.period, p.population AS adults
    FROM months m LEFT JOIN pop p ON p.area_code = m.area_code AND p.year = m.pop_year
),
rows AS (
    SELECT c.area_code, c.period, c.breakdown, c.category, c.days, a.adults
    FROM councils c LEFT JOIN adults a ON a.area_code = c.area_code AND a.period = c.period
),
england_adults AS (
    SELECT period, sum(adults) AS adults FROM adults GROUP BY period
)
SELECT area_code, period, breakdown, category, days, adults FROM rows
UNION ALL
SELECT 'E92000001' AS area_code, r.period, r.breakdown, r.category, sum(r.days) AS days,
       any_value(e.adults) AS adults
FROM rows r JOIN england_adults e ON e.period = r.period
GROUP BY r.period, r.breakdown, r.category
"""


def dtoc_breakdowns(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Delayed days by reason and by responsible organisation for every council and month.

    A long frame: ``area_code, period, breakdown, category, days, adults``. ``breakdown`` is
    ``reason`` (categories A, B, C, Di, Dii, E, F, G, H, I and, from 2017, O) or
    ``responsible_org`` (nhs, social_care, both). ``adults`` is the council's population aged
    18+ from the latest population year not after the period's year (the earliest year when the
    period precedes them all), as for the DToC rate; it is missing where no population is
    loaded. England (``E92000001``) is the sum of the English councils' days, and its ``adults``
    the sum of theirs, as for the DToC rate (the published England row also counts residents
    of Wales, Scotland and elsewhere and is not stored)."""
    frame = con.execute(
        f"SELECT * FROM ({DTOC_BREAKDOWNS_SQL}) ORDER BY area_code, period, breakdown, category"
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    frame["days"] = frame["days"].astype(float)
    frame["adults"] = frame["adults"].astype(float)
    return frame
