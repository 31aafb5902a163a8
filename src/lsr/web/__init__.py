"""The web application: action plans, progress reviews and the published progress report.

An interface layer like :mod:`lsr.cli`: it may import :mod:`lsr.core`, :mod:`lsr.data` and
:mod:`lsr.report`; nothing imports it. Settings module: ``lsr.web.settings``.
"""
