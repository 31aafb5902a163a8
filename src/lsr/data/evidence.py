"""The evidence sections of an area's profile, read from the store and computed.

Besides the indicators (:func:`lsr.data.queries.indicator_counts`), the profile carries
sections of evidence for the report's themes. This module reads what each needs and computes
it with :mod:`lsr.core`, returning :class:`~lsr.core.profile_types.EvidenceSection` objects;
:mod:`lsr.report.evidence` turns them into report sections. National inputs are read once per
:class:`EvidenceInputs` and shared by every area (the web application keeps one per store).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import duckdb
import pandas as pd

from lsr.core.delay_reasons import delay_reasons
from lsr.core.geography import ENGLAND_CODE
from lsr.core.profile_types import AreaProfile, EvidenceSection

__all__ = ["EvidenceInputs", "area_evidence", "with_evidence"]

DELAY_REASONS_SOURCE = (
    "NHS England, Delayed Transfers of Care, monthly 'Total Delayed Days Local Authority' "
    "workbooks (by reason and by responsible organisation); ONS mid-year population estimates, "
    "adults aged 18+. Open Government Licence v3."
)
AE_TRUSTS_SOURCE = (
    "NHS England A&E Attendances and Emergency Admissions by provider; trust catchments from "
    "covid19.nhs.data (epiforecasts, MIT licence), built from 2020 admissions."
)
OUTCOMES_SOURCE = (
    "NHS Digital, Adult Social Care Outcomes Framework; Office for Local Government adult "
    "social care metrics (workforce turnover from Skills for Care). Open Government Licence v3."
)
MAR_SOURCE = "NHS England Monthly Activity Return by commissioner. Open Government Licence v3."


@dataclass
class EvidenceInputs:
    """National inputs read from one store connection, computed on first use."""

    con: duckdb.DuckDBPyConnection

    @cached_property
    def dtoc_breakdowns(self) -> pd.DataFrame:
        from lsr.data.queries import dtoc_breakdowns

        return _plain_strings(dtoc_breakdowns(self.con))

    @cached_property
    def dtoc_by_area(self) -> dict[str, pd.DataFrame]:
        """The breakdowns split by area once, so each area's section reads only its own rows,
        its comparators' and England's."""
        return {str(a): g for a, g in self.dtoc_breakdowns.groupby("area_code", sort=False)}

    def dtoc_rows(self, area_code: str, peers: Sequence[str]) -> pd.DataFrame:
        """The breakdown rows of an area, its comparators and England."""
        parts = [self.dtoc_by_area.get(c) for c in (ENGLAND_CODE, area_code, *peers)]
        found = [p for p in parts if p is not None]
        if not found:
            return self.dtoc_breakdowns.iloc[0:0]
        return pd.concat(found, ignore_index=True)

    @cached_property
    def mar_areas(self) -> frozenset[str]:
        """Areas with at least one MAR emergency-admissions figure."""
        from lsr.data.mar_councils import mar_counts

        return frozenset(str(a) for a in mar_counts(self.con)["area_code"].unique())

    @cached_property
    def outcome_rows(self) -> pd.DataFrame:
        from lsr.core.outcome_measures import OUTCOME_MEASURES
        from lsr.data.measures import measure_rows

        return _plain_strings(
            measure_rows(self.con, [p for m in OUTCOME_MEASURES for p in m.sources])
        )

    @cached_property
    def has_ae(self) -> bool:
        return _count(self.con, "ae_activity") > 0 and _count(self.con, "trust_catchment") > 0

    @cached_property
    def ae_england(self) -> pd.DataFrame:
        from lsr.data.ae_apportion import ae_england_coverage

        return ae_england_coverage(self.con)

    @cached_property
    def ae_council_coverage(self) -> pd.DataFrame:
        from lsr.data.ae_apportion import ae_council_coverage

        return ae_council_coverage(self.con)

    def prefetch(self) -> None:
        """Read every national input now (e.g. before the connection is closed)."""
        for name in (
            "dtoc_breakdowns",
            "outcome_rows",
            "has_ae",
            "ae_england",
            "ae_council_coverage",
        ):
            getattr(self, name)

    def using(self, con: duckdb.DuckDBPyConnection) -> EvidenceInputs:
        """These inputs, with ``con`` for the per-area lookups (the national inputs already
        read are kept)."""
        self.con = con
        return self


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects: the per-area computations iterate over them, and
    iterating pandas' Arrow-backed strings is many times slower."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    return frame.astype({c: object for c in text})


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()  # fetched to the end
    return int(rows[0][0]) if rows else 0


def _delay_reasons(inputs: EvidenceInputs, area_code: str, peers: Sequence[str]) -> EvidenceSection:
    frame = inputs.dtoc_rows(area_code, peers)
    # England's rows are the sum of every English council (dtoc_breakdowns makes them so)
    result = delay_reasons(frame, area_code, tuple(peers), england_summed=True)
    return EvidenceSection(
        id="delay-reasons",
        title="Delays by reason and responsible organisation",
        status="real" if result.periods else "not available",
        source=DELAY_REASONS_SOURCE,
        result=result,
    )


def _ae_trusts(inputs: EvidenceInputs, area_code: str) -> EvidenceSection | None:
    """The trusts serving the area, the share of its A&E activity the figures cover, and the
    official England figure beside the comparable one."""
    if not inputs.has_ae:
        return None
    from lsr.data.ae_apportion import main_trusts

    trusts = main_trusts(inputs.con, area_code)
    coverage = inputs.ae_council_coverage
    mine = coverage[coverage["area_code"] == area_code].sort_values("period")
    england = inputs.ae_england.sort_values("period")
    rows: dict[str, object] = {
        "trusts": [{"code": t.code, "name": t.name, "share": float(t.share)} for t in trusts],
        "coverage": [
            {
                "period": pd.Timestamp(r.period).date(),
                "catchment_share": float(r.catchment_share),
                "trusts_without_data": str(r.trusts_without_data),
            }
            for r in mine.itertuples(index=False)
        ],
        "england": [
            {
                "period": pd.Timestamp(r.period).date(),
                "four_hours_all": float(r.four_hours_all),
                "four_hours_apportioned": float(r.four_hours_apportioned),
                "unmapped_share": float(r.unmapped_share),
            }
            for r in england.itertuples(index=False)
        ],
    }
    if not trusts:
        return EvidenceSection(
            id="ae-trusts",
            title="Trusts serving the area",
            status="not available",
            source=AE_TRUSTS_SOURCE,
            result={**rows, "reason": "the trust catchment table has no rows for this council"},
        )
    return EvidenceSection(
        id="ae-trusts",
        title="Trusts serving the area",
        status="approximation",
        source=AE_TRUSTS_SOURCE,
        result=rows,
    )


def _outcomes(
    inputs: EvidenceInputs,
    profile: AreaProfile,
) -> EvidenceSection:
    from lsr.core.outcomes import social_care_outcomes

    result = social_care_outcomes(
        inputs.outcome_rows,
        profile.area_code,
        {profile.area_code: list(profile.comparator_codes)},
        area_name=profile.area_name,
        comparator_method=profile.comparator_method,
        confidence=profile.confidence,
    )
    has_data = any(series.points for series in result.series)
    return EvidenceSection(
        id="social-care-outcomes",
        title="Social care outcomes",
        status="real" if has_data else "not available",
        source=OUTCOMES_SOURCE,
        result=result,
    )


def _mar_availability(inputs: EvidenceInputs, area_code: str) -> EvidenceSection | None:
    if area_code in inputs.mar_areas:
        return None
    from lsr.data.mar_councils import mar_availability

    reason = mar_availability(inputs.con, area_code)
    if reason is None:
        return None
    return EvidenceSection(
        id="admissions-not-available",
        title="Emergency admissions (all ages): not available",
        status="not available",
        source=MAR_SOURCE,
        result={"reason": reason},
    )


def area_evidence(inputs: EvidenceInputs, profile: AreaProfile) -> tuple[EvidenceSection, ...]:
    """Every evidence section for the profile's area, in report order."""
    area_code = profile.area_code
    sections: list[EvidenceSection | None] = [
        _delay_reasons(inputs, area_code, profile.comparator_codes),
        _ae_trusts(inputs, area_code),
        _mar_availability(inputs, area_code),
        _outcomes(inputs, profile),
    ]
    return tuple(s for s in sections if s is not None)


def with_evidence(
    profile: AreaProfile, con: duckdb.DuckDBPyConnection, inputs: EvidenceInputs | None = None
) -> AreaProfile:
    """``profile`` with its evidence sections computed from the store."""
    inputs = inputs or EvidenceInputs(con)
    return replace(profile, sections=area_evidence(inputs, profile))
