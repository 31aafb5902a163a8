"""Fixtures for the flow-model tests (the builders live in ``flow_params.py``, a module with a
name of its own, so test files import them without clashing with other folders' conftests)."""

from flow_params import make_params

__all__ = ["make_params"]
