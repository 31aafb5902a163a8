"""Serving the web application: gunicorn with several worker processes (``lsr serve``), or
Django's single-process development server (``lsr serve --dev``).

One CPython process runs Python code on one core at a time (the GIL), so a single-process
server cannot use a second core however many threads it has. ``lsr serve`` therefore runs
gunicorn with ``workers`` processes (default: one per CPU core available to this process), each
with ``threads`` threads (gthread workers: a thread waits on the database or a slow client while
another runs). The application is imported once in the master before the workers are forked
(``preload_app``); database connections are closed first, so that no worker inherits one.

Static files are served by the application itself (Django's ``StaticFilesHandler``, as
``runserver`` does), so that ``lsr serve`` needs nothing in front of it on one machine. Behind a
reverse proxy, serve ``/static/`` from ``STATIC_ROOT`` (``manage.py collectstatic``) there and
point the proxy at ``lsr.web.wsgi:application``.
"""

from __future__ import annotations

import os
from typing import Any

#: Threads per gunicorn worker process.
DEFAULT_THREADS = 4


def default_workers() -> int:
    """One worker per CPU core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def application_with_static() -> Any:
    """The WSGI application with static files served under ``STATIC_URL``."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    return StaticFilesHandler(get_wsgi_application())


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings ``lsr serve`` uses."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "timeout": 60,  # a worker silent for this long is restarted
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,  # no per-request log line (as `runserver` with logging off)
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "lsr-web",
    }


def run_gunicorn(host: str, port: int, workers: int, threads: int = DEFAULT_THREADS) -> None:
    """Serve until interrupted (Ctrl+C or SIGTERM stops the master and its workers)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    if workers < 1 or threads < 1:
        raise ValueError("--workers and --threads must be at least 1")
    wsgi = application_with_static()
    connections.close_all()  # no database connection may be inherited by the forked workers
    options = gunicorn_options(host, port, workers, threads)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return wsgi

    Server().run()


def run_dev(host: str, port: int) -> None:
    """Django's threaded development server, one process (no reloader)."""
    from django.core.management import call_command

    url_host = f"[{host}]" if ":" in host else host
    call_command(
        "runserver",
        f"{url_host}:{port}",
        use_reloader=False,
        use_threading=True,
        insecure_serving=True,
    )
