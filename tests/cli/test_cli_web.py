"""The web application's commands: ``lsr serve --demo`` only on loopback addresses, and
``lsr createadmin`` (a password typed twice and checked, or generated; never a default). The
commands that set up Django run as separate processes (this test process has no Django)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.cli.web import is_loopback

runner = CliRunner()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("192.168.1.20", False),
        ("example.org", False),
        ("localhost.example.org", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org", "10.0.0.1"])
def test_demo_is_refused_beyond_loopback(host: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["serve", "--demo", "--host", host, "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: --demo is allowed only on a loopback address")
    assert host in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists()  # refused before anything was created


def _lsr(*args: str, data: Path, stdin: str = "") -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSR_", "DJANGO_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from lsr.cli.main import app; app()",
            *args,
            "--data-dir",
            str(data),
        ],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        start_new_session=True,  # no terminal: the hidden prompt reads standard input
    )


def _check_password(data: Path, username: str, password: str) -> bool:
    code = (
        "import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'lsr.web.settings'; "
        "import django; django.setup(); "
        "from django.contrib.auth import get_user_model; "
        "from lsr.web.plan.models import AuditEvent; "
        f"u = get_user_model().objects.get(username={username!r}); "
        "assert u.is_superuser and u.is_staff and u.lsr_profile.role == 'administrator'; "
        "assert AuditEvent.objects.filter(kind='create', model='User', object_id=str(u.pk), "
        "detail__contains='createadmin').exists(); "
        f"print(u.check_password({password!r}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSR_", "DJANGO_"))}
    env["LSR_WEB_DATA_DIR"] = str(data)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_createadmin_typed_password(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # too weak: refused in one line, nothing created
    weak = _lsr("createadmin", "--username", "chief", data=data, stdin="short\nshort\n")
    assert weak.returncode == 2
    errors = [ln for ln in weak.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "password was refused" in errors[0] and "too short" in errors[0]
    assert "Traceback" not in weak.stderr
    common = _lsr("createadmin", "--username", "chief", data=data, stdin="password1234\n" * 2)
    assert common.returncode == 2 and "too common" in common.stderr
    # two different entries: asked again; then the same twice: created
    good = "Strong-enough-pass-2024"
    made = _lsr(
        "createadmin",
        "--username",
        "chief",
        data=data,
        stdin=f"first-try-Pass-2024\nsecond-try-Pass-2024\n{good}\n{good}\n",
    )
    assert made.returncode == 0, made.stderr
    assert "Created the administrator 'chief'" in made.stdout
    assert good not in made.stdout + made.stderr
    assert _check_password(data, "chief", good)
    assert not _check_password(data, "chief", "first-try-Pass-2024")
    # the same name again: refused
    again = _lsr("createadmin", "--username", "chief", data=data, stdin=f"{good}\n{good}\n")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_createadmin_generated_password(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = _lsr("createadmin", "--generate-password", data=data)
    assert made.returncode == 0, made.stderr
    shown = [ln for ln in made.stdout.splitlines() if ln.startswith("Password (shown this once")]
    assert len(shown) == 1
    password = shown[0].rsplit(" ", 1)[1]
    assert len(password) >= 20 and made.stdout.count(password) == 1
    assert _check_password(data, "admin", password)
    other = _lsr("createadmin", "--generate-password", "--username", "second", data=data)
    assert other.returncode == 0
    assert password not in other.stdout  # a new one each time


def test_unlock_refuses_a_bad_address(tmp_path: Path) -> None:
    result = _lsr("unlock", "--address", "not-an-ip", data=tmp_path / "data")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: --address 'not-an-ip' is not an IP address"
    ]
