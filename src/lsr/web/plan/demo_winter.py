"""The demo's winter: a SYNTHETIC daily situation series for the demo review's area, loaded
into the store the dashboard reads (:mod:`lsr.data.synthetic_daily`), labelled synthetic in
the data and on every page and export that shows it.

Loaded once: an area that already has daily rows (real or synthetic) is left alone, and real
data is never replaced. A store that cannot be written to at that moment (busy, read-only) is
logged and skipped: the demo review is still created, and the dashboard says no data is loaded.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsr.web.plan.models import Review

log = logging.getLogger("lsr.web")


def seed_winter(review: Review) -> int:
    """Load the synthetic winter (the 151 days to today) for ``review``'s area unless the area
    has daily rows already; returns the rows written."""
    from lsr.data.daily import daily_revision
    from lsr.data.errors import LoadError
    from lsr.data.store import StoreBusy, open_shared
    from lsr.data.synthetic_daily import load_synthetic_daily
    from lsr.web.plan.indicators import read_store, store_path, store_wait

    path = Path(store_path())
    try:
        if path.exists():
            con = read_store(path)
            try:
                if daily_revision(con, review.area_code) != "0":
                    return 0
            finally:
                con.close()
        else:
            read_store(path).close()  # builds the default store first
        con = open_shared(path, wait=store_wait())
        try:
            return load_synthetic_daily(con, review.area_code)
        finally:
            con.close()
    except (StoreBusy, LoadError, OSError, ValueError) as exc:  # a demo without a winter
        log.warning("demo winter not loaded into %s: %s", path, exc)
        return 0
