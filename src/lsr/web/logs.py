"""Log lines of the web application (``settings.LOGGING``): one line per event on standard error,
each with the process id and the request id (django-log-request-id's filter).

For an error logged with its exception (Django's ``Internal Server Error: /path`` for every 500)
the line itself also names the method, the status and the exception (type and message, on one
line), so that an operator who searches for the request id a user quotes finds what went wrong
in that one line; the traceback follows on the next lines. A refused request (a status below
500, such as Django's ``Invalid HTTP_HOST header`` warning) is one line without a traceback, so
that a flood of bad requests cannot fill the log with tracebacks. Request bodies, headers and
form fields are never written.
"""

from __future__ import annotations

import logging

#: Longest exception message written on the line itself (the traceback has it in full).
MESSAGE_CHARS = 300


def _one_line(text: str) -> str:
    return " ".join(text.split())[:MESSAGE_CHARS]


class ErrorLineFormatter(logging.Formatter):
    """``logging.Formatter`` that adds ``method=``, ``status=`` and ``exception=`` to the first
    line of a record carrying an exception (and ``method``/``status`` to Django's request
    records)."""

    def format(self, record: logging.LogRecord) -> str:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.message = record.getMessage()
            if self.usesTime():
                record.asctime = self.formatTime(record, self.datefmt)
            text = self.formatMessage(record)  # the line alone: no traceback for a refusal
        else:
            text = super().format(record)
        extra: list[str] = []
        request = getattr(record, "request", None)
        method = getattr(request, "method", None)
        if isinstance(method, str):
            extra.append(f"method={_one_line(method)[:16]}")
        if isinstance(status, int):
            extra.append(f"status={status}")
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            extra.append(f"exception={type(exc).__name__}: {_one_line(str(exc))}")
        if not extra:
            return text
        first, sep, rest = text.partition("\n")
        return f"{first} {' '.join(extra)}{sep}{rest}"
