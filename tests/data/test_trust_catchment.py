"""The epiforecasts trust-to-council mapping: every real file, its sums, broken copies."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.sources import trust_catchment
from lsr.data.sources.trust_catchment import Catchment, load_catchment, read_catchment
from lsr.data.store import connect

from raw_data import RAW

MAPPINGS = sorted(RAW.glob("ae/trust_utla_mapping*.csv"))
MAPPING = RAW / "ae" / "trust_utla_mapping.csv"
OXFORDSHIRE = "E10000025"
TABLES = ("trust_catchment", "ae_activity", "loads")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


@pytest.fixture(scope="module")
def mapping() -> Catchment:
    return read_catchment(MAPPING)


@pytest.fixture(scope="module")
def loaded() -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_catchment(con, MAPPING)
    return con


def test_real_files_are_found() -> None:
    assert MAPPINGS


@pytest.mark.parametrize("path", MAPPINGS, ids=lambda p: p.name)
def test_every_real_mapping_reads_and_its_shares_add_up(path: Path) -> None:
    parsed = read_catchment(path)
    raw = pd.read_csv(path)
    assert len(parsed.rows) == len(raw)
    by_trust = parsed.rows.groupby("trust_code")["p_trust"].sum()
    by_council = parsed.rows.groupby("geo_code")["p_geo"].sum()
    assert ((by_trust - 1).abs() < 1e-9).all()
    assert ((by_council - 1).abs() < 1e-9).all()
    assert parsed.rows["geo_code"].str.match(r"^E(06|08|09|10)\d{6}$").all()


def test_size_and_check_figures(mapping: Catchment) -> None:
    assert len(mapping.rows) == 424
    assert len(mapping.trusts) == 127
    assert len(mapping.councils) == 149
    ox = mapping.rows[mapping.rows["geo_code"] == OXFORDSHIRE].set_index("trust_code")
    assert sorted(ox.index) == ["RHW", "RTH", "RXQ"]
    assert ox.loc["RTH", "p_trust"] == pytest.approx(0.918006, abs=1e-6)
    assert ox.loc["RTH", "p_geo"] == pytest.approx(0.925446, abs=1e-6)
    # 2020 geography: Buckinghamshire's unitary code, not the 2017 county's
    assert "E06000060" in mapping.councils and "E10000002" not in mapping.councils


def test_load_and_reload(loaded: duckdb.DuckDBPyConnection) -> None:
    assert counts(loaded)["trust_catchment"] == 424
    before = counts(loaded)
    summary = load_catchment(loaded, MAPPING)
    assert (summary.files_skipped, summary.rows_inserted) == (1, 0)
    assert counts(loaded) == before


def test_earlier_column_names_are_read(mapping: Catchment, tmp_path: Path) -> None:
    text = MAPPING.read_text().replace("geo_code", "utla_code").replace("p_geo", "p_utla")
    path = tmp_path / "trust_utla_mapping_old.csv"
    path.write_text(text)
    parsed = read_catchment(path)
    cols = ["trust_code", "geo_code", "p_trust", "p_geo"]
    assert parsed.rows[cols].equals(mapping.rows[cols])
    assert parsed.fields["geo_code"] == "utla_code"


def _lines() -> list[str]:
    return MAPPING.read_text().splitlines()


def _index(lines: list[str], trust: str, geo: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(f"{trust},{geo},"))


def _set(trust: str, geo: str, cell: int, value: str):  # type: ignore[no-untyped-def]
    def damage(lines: list[str]) -> tuple[list[str], int]:
        i = _index(lines, trust, geo)
        parts = lines[i].split(",")
        parts[cell] = value
        lines[i] = ",".join(parts)
        return lines, i + 1

    return damage


def _duplicate(lines: list[str]) -> tuple[list[str], int]:
    i = _index(lines, "RTH", OXFORDSHIRE)
    lines.insert(i + 2, lines[i])
    return lines, i + 3


def _drop_row(lines: list[str]) -> tuple[list[str], int]:
    i = _index(lines, "RTH", "E06000060")  # RTH's first row is then its Northamptonshire row
    del lines[i]
    return lines, _index(lines, "RTH", "E10000021") + 1


def _changed_share(lines: list[str]) -> tuple[list[str], int]:
    """RTH's Oxfordshire share raised: the error points at RTH's first row, naming every row."""
    lines, _ = _set("RTH", OXFORDSHIRE, 2, "0.95")(lines)
    return lines, _index(lines, "RTH", "E06000060") + 1


def _drop_column(lines: list[str]) -> tuple[list[str], int]:
    return [",".join(line.split(",")[:3]) for line in lines], 1


def _truncate(lines: list[str]) -> tuple[list[str], int]:
    lines = lines[:200]
    lines[-1] = lines[-1][:14]
    return lines, 200


BROKEN = {
    "text-in-share": (_set("RTH", OXFORDSHIRE, 2, "0.9l8"), "p_trust", "not a number"),
    "negative-share": (_set("RTH", OXFORDSHIRE, 3, "-0.9"), "p_geo", "greater than zero"),
    "zero-share": (_set("RTH", OXFORDSHIRE, 2, "0"), "p_trust", "greater than zero"),
    "share-over-one": (_set("RTH", OXFORDSHIRE, 3, "1.5"), "p_geo", "cannot exceed 1"),
    "changed-share": (_changed_share, "p_trust", "RTH add up to 1.0320"),
    "bad-council-code": (_set("RTH", OXFORDSHIRE, 1, "Oxon"), "geo_code", "not an English"),
    "district-code": (_set("RTH", OXFORDSHIRE, 1, "E07000177"), "geo_code", "lower-tier"),
    "bad-trust-code": (_set("RTH", OXFORDSHIRE, 0, "RTH1"), "trust_code", "not a trust code"),
    "duplicated-row": (_duplicate, "geo_code", "appear twice"),
    "missing-row": (_drop_row, "p_trust", "RTH add up to 0.9791"),
    "missing-column": (_drop_column, "p_geo", "missing column"),
    "truncated": (_truncate, "p_trust", "missing value"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_copy_is_a_load_error_and_store_unchanged(
    case: str, loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    damage, field, message = BROKEN[case]
    lines, row = damage(_lines())
    path = tmp_path / f"mapping_{case}.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as err:
        read_catchment(path)
    e = err.value
    assert (e.file, e.row, e.field) == (str(path), row, field)
    assert message in e.message
    before = counts(loaded)
    with pytest.raises(LoadErrors):
        load_catchment(loaded, path)
    assert counts(loaded) == before


def test_a_different_mapping_is_not_mixed_in(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Shares moved between two councils of one trust (sums still 1): a different mapping."""
    lines = _lines()
    a, b = _index(lines, "RTH", OXFORDSHIRE), _index(lines, "RTH", "E10000021")
    pa, pb = lines[a].split(","), lines[b].split(",")
    pa[2], pb[2] = str(float(pa[2]) - 0.01), str(float(pb[2]) + 0.01)
    lines[a], lines[b] = ",".join(pa), ",".join(pb)
    path = tmp_path / "other_mapping.csv"
    path.write_text("\n".join(lines) + "\n")
    read_catchment(path)  # valid on its own
    before = counts(loaded)
    with pytest.raises(LoadErrors) as info:
        load_catchment(loaded, path)
    e = info.value.errors[0]
    assert "different mapping" in e.message and "RTH" in e.message
    assert e.field == "p_trust"
    assert counts(loaded) == before


def test_empty_and_wrong_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(LoadError, match="empty"):
        read_catchment(empty)
    pop = tmp_path / "population.csv"
    pop.write_text("year,utla_code,utla_name\n2017,E10000025,Oxfordshire\n")
    with pytest.raises(LoadError, match="missing column 'trust_code'"):
        read_catchment(pop)


def test_source_info() -> None:
    info = trust_catchment.SOURCE
    assert info.kind == "trust_catchment"
    assert "MIT" in info.licence and "Sophie Meakin" in info.licence
    assert info.tables == ("trust_catchment",)
