"""The ``lsr`` command-line interface."""
