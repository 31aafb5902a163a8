"""Limits every loader keeps, whatever file it is given: error messages of bounded length on
one line (values quoted and shortened), a long header or line refused, row limits for the
files read row by row, a size limit for the national files read whole, and peak memory that
does not grow with the file (a real ``lsr load population`` process on a 120 MB file)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from episode_files import make_store

from lsr.data import comparators, counts, population
from lsr.data.comparators import read_comparators_csv
from lsr.data.counts import read_counts
from lsr.data.episodes import load_episodes
from lsr.data.errors import LoadError, clean_message, quote, quote_list, shorten
from lsr.data.population import read_population_csv
from lsr.data.sources import _ascof_reading, ae_layouts, dtoc, mar, oflog, ons_mye
from lsr.data.sources.ae import read_ae
from lsr.data.sources.ascof import read_ascof
from lsr.data.sources.dtoc import read_dtoc
from lsr.data.sources.mar import read_mar
from lsr.data.sources.oflog import read_oflog
from lsr.data.sources.ons_mye import read_ons_mye
from lsr.data.sources.trust_catchment import read_catchment

from raw_data import RAW


def test_quote_shortens_and_escapes() -> None:
    assert quote("E10000025") == "'E10000025'"
    long = quote("x" * 5000)
    assert long.startswith("'" + "x" * 80 + "'") and long.endswith("(5,000 characters)")
    assert quote("\x1b[2J\x00bad\nline") == "'\\x1b[2J\\x00bad\\nline'"
    assert shorten("abc", 2) == "ab... (3 characters)"
    listed = quote_list([f"column{i}" for i in range(100_000)])
    assert len(listed) < 250 and listed.endswith("more")


def test_every_message_is_one_bounded_line() -> None:
    text = clean_message("bad value '" + "v" * 10_000 + "' and\nmore\r\x1b[31m")
    assert "\n" not in text and "\r" not in text and "\x1b" not in text
    assert len(text) <= 420
    err = LoadError("f.csv", "x" * 50_000, sheet="s" * 1000, row=3, field="f\n" * 500)
    assert "\n" not in str(err) and len(str(err)) < 1000


# --- every CSV reader with a huge header -----------------------------------------------------


def _episodes(path: Path) -> Any:
    return load_episodes(make_store(), path)


CSV_READERS: dict[str, Callable[[Path], Any]] = {
    "counts": read_counts,
    "population": read_population_csv,
    "comparators": lambda p: read_comparators_csv(p, {"E10000025"}),
    "catchment": read_catchment,
    "ae": read_ae,
    "oflog": read_oflog,
    "ascof": read_ascof,
    "episodes": _episodes,
}


@pytest.mark.parametrize("columns", [60_000, 400_000])
@pytest.mark.parametrize("reader", sorted(CSV_READERS))
def test_a_huge_header_is_a_short_error(tmp_path: Path, reader: str, columns: int) -> None:
    """A header of 0.5 MB or 3 MB (a 20 MB header was once echoed whole)."""
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"col{i}" for i in range(columns)) + "\nx,y\n")
    with pytest.raises(LoadError) as err:
        CSV_READERS[reader](path)
    text = str(err.value)
    assert "\n" not in text and len(text) < 700, text[:1000]


@pytest.mark.parametrize("reader", ["counts", "population", "comparators", "catchment"])
def test_a_line_over_one_megabyte_is_refused_by_row(tmp_path: Path, reader: str) -> None:
    header = {
        "counts": "indicator,area_code,period,numerator,denominator",
        "population": "area_code,area_name,year,age_band,population",
        "comparators": "area_code,peer_code",
        "catchment": "trust_code,geo_code,p_trust,p_geo",
    }[reader]
    path = tmp_path / "long.csv"
    path.write_text(header + "\n" + "E" * 1_200_000 + "\n")
    with pytest.raises(LoadError, match=r"longer than 1\.0 MB") as err:
        CSV_READERS[reader](path)
    assert err.value.row == 2


# --- row limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "reader", "header", "row"),
    [
        (
            counts,
            read_counts,
            "indicator,area_code,period,numerator,denominator",
            "long_stays_65,E10000025,2018-{m:02d},1,10",
        ),
        (
            population,
            read_population_csv,
            "area_code,area_name,year,age_band,population",
            "E1000{m:04d},Area,2017,all,1000",
        ),
        (comparators, None, "area_code,peer_code", "E10000025,E1000{m:04d}"),
    ],
)
def test_row_limits(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    reader: Callable[[Path], Any] | None,
    header: str,
    row: str,
) -> None:
    monkeypatch.setattr(module, "MAX_ROWS", 4)
    path = tmp_path / "rows.csv"
    path.write_text(header + "\n" + "\n".join(row.format(m=m) for m in range(1, 7)) + "\n")
    known = {"E10000025", *(f"E1000{m:04d}" for m in range(1, 7))}
    read = reader or (lambda p: read_comparators_csv(p, known))
    with pytest.raises(LoadError, match="more than 4 data rows") as err:
        read(path)
    assert err.value.row == 6  # the fifth data row
    path.write_text(header + "\n" + "\n".join(row.format(m=m) for m in range(1, 5)) + "\n")
    read(path)  # four rows are fine


# --- national files read whole: a size limit -------------------------------------------------

SOURCES: dict[str, tuple[Any, Callable[[Path], Any], Path]] = {
    "ae": (ae_layouts, read_ae, RAW / "ae" / "ae_attendances_provider_2016_2019.csv"),
    "dtoc": (dtoc, read_dtoc, next((RAW / "dtoc").glob("*.xls"))),
    "mar": (mar, read_mar, RAW / "mar-commissioner" / "Jul_18.xls"),
    "ons_mye": (ons_mye, read_ons_mye, RAW / "ons-mye" / "ons_mye_2017_la_single_year_age.xls"),
    "ascof": (_ascof_reading, read_ascof, RAW / "ascof" / "ascof_final_data_2021.csv"),
    "oflog": (oflog, read_oflog, RAW / "oflog_asc_metrics.csv"),
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_national_files_over_the_size_limit_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    module, read, real = SOURCES[source]
    monkeypatch.setattr(module, "MAX_SOURCE_FILE_BYTES", 1000)
    path = tmp_path / real.name
    shutil.copy(real, path)
    with pytest.raises(LoadError, match="more than the 1,000 bytes allowed") as err:
        read(path)
    assert "is it the right file" in err.value.message


# --- peak memory does not grow with the file -------------------------------------------------

# The child's own high-water mark (VmHWM): ru_maxrss would count the pytest process it was
# forked from, whose pages Linux carries into the child's maximum across exec.
_CHILD = """
import sys
from lsr.cli.main import app
try:
    app()
finally:
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    sys.stderr.write(f"\\nPEAK_KB={status}\\n")
"""


def _peak_mib(stderr: str) -> float:
    line = next(x for x in stderr.splitlines() if x.startswith("PEAK_KB="))
    return int(line.removeprefix("PEAK_KB=")) / 1024


@pytest.mark.slow
def test_a_large_population_file_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """120 MB of well-formed, all-different rows: refused at the row limit with a peak of a
    few hundred MB (reading it whole took about 8.5 times the file: over 1 GB here)."""
    path = tmp_path / "big.csv"
    bands = ("all", "18+", "65+", "75+", "85+")
    with open(path, "w") as f:
        f.write("area_code,area_name,year,age_band,population\n")
        i = 0
        while f.tell() < 120 << 20:
            f.write(
                "".join(
                    f"E{10_000_000 + j // 5:08d},Area {j // 5},2017,{bands[j % 5]},"
                    f"{9_000 - j % 5}\n"
                    for j in range(i, i + 50_000)
                )
            )
            i += 50_000
    db = tmp_path / "store.duckdb"
    lsr = [sys.executable, "-c", "from lsr.cli.main import app; app()"]
    subprocess.run([*lsr, "init", "--empty", "--db", str(db)], check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, "load", "population", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "more than 200,000 data rows" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert _peak_mib(result.stderr) < 450
