"""The JSON form of a data profile (``AreaProfile.to_dict`` and ``EvidenceSection.to_dict``),
found untested by mutation testing (docs/mutation-testing.md): dates as ISO strings, NaN as
None, other floats kept, each evidence section's result through its own ``to_dict()``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from lsr.core.profile_types import AreaProfile, EvidenceSection


@dataclass(frozen=True)
class _Result:
    """A computed section result, as lsr.core's frozen results are: it has its own form."""

    month: date
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "share": self.share, "own": True}


class _Uncopyable:
    """A result that cannot be deep-copied (``dataclasses.asdict`` copies what it recurses
    into): the profile must reach it only through its ``to_dict()``."""

    def __deepcopy__(self, memo: Any) -> Any:
        raise TypeError("not copyable")

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [1, 2]}


def _profile(*sections: EvidenceSection) -> AreaProfile:
    return AreaProfile(
        area_code="E10000025",
        area_name="Testshire",
        comparator_method="k nearest",
        comparator_codes=("E10000002",),
        comparator_names=("Elsewhere",),
        indicators=(),
        notes=("a note",),
        confidence=0.95,
        sections=sections,
    )


def test_evidence_sections_by_hand() -> None:
    june = _Result(date(2018, 6, 1), 0.5)
    real = EvidenceSection("delays", "Delays", "real", "NHS England", june)
    approx = EvidenceSection("trusts", "Trusts", "approximation", "NHS Digital", [{"x": 1}])
    missing = EvidenceSection("care", "Care", "not available", "", "no data loaded")
    synthetic = EvidenceSection("demo", "Demo", "synthetic", "made up")
    assert real.to_dict() == {
        "id": "delays",
        "title": "Delays",
        "status": "real",
        "real": True,
        "source": "NHS England",
        "result": {"month": date(2018, 6, 1), "share": 0.5, "own": True},
    }
    assert approx.to_dict()["real"] is True and approx.to_dict()["result"] == [{"x": 1}]
    assert missing.to_dict() == {
        "id": "care",
        "title": "Care",
        "status": "not available",
        "real": False,
        "source": "",
        "result": "no data loaded",
    }
    assert synthetic.to_dict()["real"] is False and synthetic.to_dict()["result"] is None


def test_area_profile_to_dict_by_hand() -> None:
    nan_result = EvidenceSection("d", "D", "real", "S", _Result(date(2018, 7, 1), math.nan))
    out = _profile(nan_result, EvidenceSection("u", "U", "real", "S", _Uncopyable())).to_dict()
    assert out == {
        "area_code": "E10000025",
        "area_name": "Testshire",
        "comparator_method": "k nearest",
        "comparator_codes": ["E10000002"],
        "comparator_names": ["Elsewhere"],
        "indicators": [],
        "notes": ["a note"],
        "confidence": 0.95,
        "supplementary": [],
        "sections": [
            {
                "id": "d",
                "title": "D",
                "status": "real",
                "real": True,
                "source": "S",
                "result": {"month": "2018-07-01", "share": None, "own": True},
            },
            {
                "id": "u",
                "title": "U",
                "status": "real",
                "real": True,
                "source": "S",
                "result": {"rows": [1, 2]},
            },
        ],
    }
