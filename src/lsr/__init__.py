"""lsr: Local System Review for English health and social care systems.

Packages:

- :mod:`lsr.core`   pure computation (statistics, indicator definitions, SPC, profile assembly)
- :mod:`lsr.data`   input and storage (workbook and CSV loaders, the DuckDB store, synthetic data)
- :mod:`lsr.report` rendering (charts, sentences, HTML and PDF)
- :mod:`lsr.cli`    the ``lsr`` command
"""

__version__ = "0.1.0"
