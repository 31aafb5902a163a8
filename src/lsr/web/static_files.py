"""Static files: WhiteNoise's middleware, serving only the files indexed at start-up."""

from __future__ import annotations

import os
from typing import Any

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]
    """WhiteNoise, quiet about a ``STATIC_ROOT`` that does not exist.

    ``lsr`` serves its static files from the package (``WHITENOISE_USE_FINDERS``); a
    ``STATIC_ROOT`` filled by ``collectstatic`` is served too when it exists, and otherwise
    skipped without WhiteNoise's warning on every start.
    """

    def add_files(self, root: Any, prefix: str | None = None) -> None:
        if root and os.path.isdir(root):
            super().add_files(root, prefix)
