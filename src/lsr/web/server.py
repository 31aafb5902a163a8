"""Serving the web application: gunicorn with several worker processes (``lsr serve``), or
Django's single-process development server (``lsr serve --dev``).

One CPython process runs Python code on one core at a time (the GIL), so a single-process
server cannot use a second core however many threads it has. ``lsr serve`` therefore runs
gunicorn with ``workers`` processes (default: one per CPU core available to this process), each
with ``threads`` threads (gthread workers: a thread waits on the database or a slow client while
another runs). The application is imported once in the master before the workers are forked
(``preload_app``); database connections are closed first, so that no worker inherits one.

Static files are served by the application itself, by WhiteNoise's middleware (see
``settings.MIDDLEWARE``), the same way under gunicorn and under the development server: only the
files indexed at start-up, with the security headers of every other response. So ``lsr serve``
needs nothing in front of it on one machine.

Request sizes are capped twice: gunicorn refuses an over-long request line (400), too many
header fields or an over-long one (:data:`REQUEST_LIMITS`) before the application sees them, and
the application refuses an over-size or anonymous body before reading it
(``lsr.web.plan.middleware.RequestBodyLimitMiddleware``; gunicorn has no body limit of its own).
"""

from __future__ import annotations

import os
from typing import Any

#: Threads per gunicorn worker process.
DEFAULT_THREADS = 4

#: gunicorn's request limits: the request line (method, path and query) in bytes, the number of
#: header fields, and the size of one header field in bytes. Longer or more is refused by
#: gunicorn (414, 431) before the application runs.
REQUEST_LIMITS = {
    "limit_request_line": 4094,
    "limit_request_fields": 50,
    "limit_request_field_size": 8190,
}


def default_workers() -> int:
    """One worker per CPU core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def application() -> Any:
    """The WSGI application (static files included: WhiteNoise is one of its middleware)."""
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


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
        **REQUEST_LIMITS,
    }


def run_gunicorn(host: str, port: int, workers: int, threads: int = DEFAULT_THREADS) -> None:
    """Serve until interrupted (Ctrl+C or SIGTERM stops the master and its workers)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    if workers < 1 or threads < 1:
        raise ValueError("--workers and --threads must be at least 1")
    wsgi = application()
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
    """Django's threaded development server, one process (no reloader). Its own static file
    handler is off (``use_static_handler=False``): WhiteNoise serves them, as under gunicorn."""
    from django.core.management import call_command

    url_host = f"[{host}]" if ":" in host else host
    call_command(
        "runserver",
        f"{url_host}:{port}",
        use_reloader=False,
        use_threading=True,
        use_static_handler=False,
    )
