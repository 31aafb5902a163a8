"""Django set-up for the web tests only (the rest of the suite does not use Django).

The settings module is chosen here, before Django is imported, with a temporary data folder;
set ``LSR_WEB_DATABASE_URL=postgresql://...`` to run these tests on PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

_DATA = Path(tempfile.mkdtemp(prefix="lsr-web-tests-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "lsr.web.settings"
os.environ.setdefault("LSR_WEB_DATA_DIR", str(_DATA))
os.environ.setdefault("LSR_WEB_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")

import django  # noqa: E402

django.setup()


@pytest.fixture(autouse=True)
def _web_settings(settings: Any, tmp_path: Path, default_store_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LSR_DB = str(default_store_path)
    # Fast hashing in tests only; the real setting (Argon2 first) is checked in a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture()
def demo(db: None) -> Any:
    """The Oxfordshire demo review with its users."""
    from lsr.web.plan.demo import seed_demo

    return seed_demo()


@pytest.fixture()
def client_for(demo: Any) -> Any:
    """``client_for("partner")``: a test client logged in as that demo user."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    def make(username: str, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make
