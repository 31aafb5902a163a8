"""Request paths that try to leave the static folder (or reach files that are not served):
parent segments plain, percent-encoded (once and twice, upper and lower case, overlong UTF-8),
backslashes, absolute and drive paths, NUL bytes, dot segments, doubled slashes, and very long
paths. Every one must be an ordinary 404 (never a 500, never a file's content)."""

from __future__ import annotations

TRAVERSAL = [
    "/static/../settings.py",
    "/static/../../web/settings.py",
    "/static/lsr/../../settings.py",
    "/static/%2e%2e/settings.py",
    "/static/%2E%2E/%2E%2E/settings.py",
    "/static/..%2fsettings.py",
    "/static/%2e%2e%2fsettings.py",
    "/static/%252e%252e/settings.py",
    "/static/..%5csettings.py",
    "/static/lsr\\..\\..\\settings.py",
    "/static/..\\settings.py",
    "/static/....//settings.py",
    "/static/.%2e/settings.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/C:\\Windows\\win.ini",
    "/static/c:/windows/win.ini",
    "/static/lsr/web.css%00.txt",
    "/static/lsr/web.css%00",
    "/static/%00",
    "/static/lsr/web.css/..",
    "/static/lsr/web.css/.",
    "/static/./lsr/web.css",
    "/static/lsr//web.css",
    "/static/",
    "/static",
    "/static/lsr/",
    "/static/" + "a/" * 1500 + "x.css",
    "/static/" + "..%2f" * 200 + "etc/passwd",
    "/static/" + "%c0%ae%c0%ae/" * 3 + "settings.py",
    "/static/%u002e%u002e/settings.py",
    "/media-not-served/../settings.py",
    "/../settings.py",
    "/%2e%2e/settings.py",
]
