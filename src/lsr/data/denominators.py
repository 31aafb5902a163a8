"""Which population estimate a rate's denominator uses: one rule for every derived indicator.

By default a period uses the ONS mid-year estimate for its calendar year, or the latest earlier
one (or, for a period before every estimate, the earliest). A user may pin one vintage for
every period (``lsr profile --population-year 2017``), e.g. to reproduce a report made with the
mid-2017 estimates.
"""

from __future__ import annotations

__all__ = ["population_year_sql"]


def population_year_sql(rows: str, area: str, period: str, population_year: int | None) -> str:
    """The SQL expression for the population year a row's denominator uses.

    ``rows``/``area``/``period`` name the alias and columns of the rows being matched; the
    expression reads a CTE ``pop(area_code, year, population)``. By default: the estimate for the
    period's calendar year, or the latest earlier one, or (for a period before every estimate)
    the earliest. With ``population_year``: that vintage for every period (an area without an
    estimate for it gets no denominator)."""
    if population_year is not None:
        return f"{int(population_year)}"
    return f"""coalesce(
               (SELECT max(year) FROM pop p WHERE p.area_code = {rows}.{area}
                    AND p.year <= year({rows}.{period})),
               (SELECT min(year) FROM pop p WHERE p.area_code = {rows}.{area})
           )"""
