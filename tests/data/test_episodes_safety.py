"""Person-level extracts that are broken in every way we know: each is refused (or loaded) with
one line naming the file, row and field, never a value from a record, never a traceback, and
nothing is written. The same files go through a real ``lsr load episodes`` process, whose
stdout and stderr must not hold any seeded value either. Also: exact duplicate rows, the date
window at its edges, and the number of rows an extract spanning the whole window writes."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from episode_files import (
    CSV_CASES,
    HEADER,
    PARQUET_CASES,
    SECRET_ROW,
    SEEDS,
    A,
    B,
    good_rows,
    make_store,
)

from lsr.data.episodes import load_episodes
from lsr.data.errors import LoadError
from lsr.data.periods import FIRST_MONTH, last_day

CASES = {**{f"csv:{k}": v for k, v in CSV_CASES.items()}}
CASES.update({f"parquet:{k}": v for k, v in PARQUET_CASES.items()})


def snapshot(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    return (
        con.execute("SELECT * FROM indicator_counts ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM loads ORDER BY ALL").fetchall(),
    )


def no_seed_in(text: str) -> None:
    shown = [seed for seed in SEEDS if seed in text]
    assert not shown, f"record values shown: {shown}: {text[:400]}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_extract_is_one_line_without_record_values(name: str, tmp_path: Path) -> None:
    case = CASES[name](tmp_path)
    con = make_store()
    before = snapshot(con)
    messages: list[str] = []
    if case.ok:
        summary = load_episodes(con, case.path, progress=messages.append)
        no_seed_in(str(summary) + "\n".join(messages))
        return
    with pytest.raises(LoadError) as err:
        load_episodes(con, case.path, progress=messages.append)
    text = str(err.value)
    no_seed_in(text + "\n".join(messages))
    assert "\n" not in text and len(text) < 700, text
    if case.row is not None:
        assert err.value.row == case.row, text
    if case.field is not None:
        assert err.value.field == case.field, text
    assert snapshot(con) == before


def _lsr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from lsr.cli.main import app; app()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_terminal_output_never_shows_a_record(name: str, tmp_path: Path) -> None:
    case = CASES[name](tmp_path)
    db = tmp_path / "store.duckdb"
    make_store(db).close()
    result = _lsr("load", "episodes", str(case.path), "--db", str(db))
    output = result.stdout + result.stderr
    no_seed_in(output)
    assert "Traceback" not in output
    if case.ok:
        assert result.returncode == 0, output
        return
    assert result.returncode == 2, output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: ") and len(lines) == 2, output
    assert lines[1] == "Nothing was changed in the database."
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM indicator_counts").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)
    finally:
        con.close()


# --- exact duplicates --------------------------------------------------------------------------


def test_duplicate_names_both_rows_and_how_many(tmp_path: Path) -> None:
    good = good_rows()
    lines = [HEADER, *good, good[4], good[7], good[4]]
    path = tmp_path / "dups.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as err:
        load_episodes(make_store(), path)
    assert err.value.row == len(good) + 2  # the first copy
    assert "exact copy of row 6" in err.value.message  # good[4] is row 6
    assert "3 row(s) copy an earlier row" in err.value.message


def test_same_day_records_told_apart_by_an_id_column_are_loaded(tmp_path: Path) -> None:
    # Two A&E attendances of one person on one day are real: an id column tells them apart.
    row = f"p1,{A},80,ae,2017-11-03,,,"
    path = tmp_path / "ids.csv"
    path.write_text(
        "episode_id," + HEADER.removesuffix(",note") + "\n" + f"1,{row}\n2,{row}\n3,{row}\n"
    )
    con = make_store()
    load_episodes(con, path)
    got = con.execute(
        "SELECT numerator FROM indicator_counts WHERE indicator = 'ae_attendances_65' "
        "AND area_code = ?",
        [A],
    ).fetchall()
    assert got == [(3.0,)]
    # Without the id the same three rows are two copies of the first: refused.
    same = tmp_path / "no_ids.csv"
    same.write_text(HEADER.removesuffix(",note") + "\n" + f"{row}\n{row}\n{row}\n")
    with pytest.raises(LoadError, match="exact copy of row 2"):
        load_episodes(make_store(), same)


def test_duplicates_inflate_readmissions_unless_refused(tmp_path: Path) -> None:
    """Why duplicates are refused: a copied emergency admission counts as a readmission."""
    rows = [
        ("p1", A, 80, "admission", date(2017, 11, 1), "emergency", "19", date(2017, 11, 3)),
        ("p2", A, 80, "admission", date(2017, 11, 1), "emergency", "19", date(2017, 11, 3)),
        ("p3", A, 80, "ae", date(2017, 12, 31), None, None, None),
    ]
    names = HEADER.split(",")[:8]
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
    path = tmp_path / "one.parquet"
    pq.write_table(table, path)
    con = make_store()
    load_episodes(con, path)
    assert con.execute(
        "SELECT numerator FROM indicator_counts WHERE indicator = 'readmissions_30d_65'"
    ).fetchall() == [(0.0,)]
    doubled = tmp_path / "doubled.parquet"
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), doubled)
    with pytest.raises(LoadError, match="exact copy of row 1"):
        load_episodes(make_store(), doubled)


# --- the date window ---------------------------------------------------------------------------


def _one_day_extract(
    path: Path, arrival: date, discharge: date | None = None, last: date = date(2017, 11, 1)
) -> Path:
    rows = [
        ("p1", A, 80, "ae", last, None, None, None),
        ("p2", A, 80, "admission", arrival, "emergency", "19", discharge),
    ]
    names = HEADER.split(",")[:8]
    pq.write_table(pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}), path)
    return path


@pytest.mark.parametrize(
    ("arrival", "discharge", "field"),
    [
        (FIRST_MONTH - timedelta(days=1), None, "arrival_date"),
        (last_day() + timedelta(days=1), None, "arrival_date"),
        (date(2017, 11, 2), last_day() + timedelta(days=1), "discharge_date"),
        (date(9998, 12, 31), None, "arrival_date"),
    ],
)
def test_dates_outside_the_window_are_refused(
    tmp_path: Path, arrival: date, discharge: date | None, field: str
) -> None:
    path = _one_day_extract(tmp_path / "x.parquet", arrival, discharge)
    with pytest.raises(LoadError) as err:
        load_episodes(make_store(), path)
    assert (err.value.row, err.value.field) == (2, field)
    assert "outside the dates this loader accepts" in err.value.message
    assert str(arrival.year) not in err.value.message.split("(")[0]


def test_an_extract_spanning_the_whole_window_stays_small(tmp_path: Path) -> None:
    """The first and the last accepted day: every month between gets zero rows, and that is
    the most an extract can expand to (a few hundred months, not millions of rows)."""
    con = make_store()
    for year in range(2000, date.today().year + 2):
        for code in (A, B):
            con.execute(
                "INSERT INTO population VALUES (?, ?, '65+', 1000) ON CONFLICT DO NOTHING",
                [code, year],
            )
    path = _one_day_extract(tmp_path / "wide.parquet", FIRST_MONTH, FIRST_MONTH, last_day())
    summary = load_episodes(con, path)
    months = (last_day().year - 2000) * 12 + last_day().month
    assert (summary.first_period, summary.last_period) == (FIRST_MONTH, last_day().replace(day=1))
    rows = con.execute("SELECT count(*) FROM indicator_counts").fetchone()
    assert rows is not None and rows[0] <= 3 * months + 2  # rates, and one month's proportions
    assert months < 400


def test_secret_row_is_valid_on_its_own(tmp_path: Path) -> None:
    """The seeded row is valid, so each broken case fails for its damage only."""
    path = tmp_path / "fine.csv"
    path.write_text("\n".join([HEADER, *good_rows(), SECRET_ROW]) + "\n")
    summary = load_episodes(make_store(), path)
    assert summary.rows_checked == 31
    assert B in {B}  # both areas are in the store
