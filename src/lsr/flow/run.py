"""One run of the flow model: draw the inputs, simulate, summarise."""

from __future__ import annotations

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import simulate_reference
from lsr.flow.outputs import RunSummary, summarise
from lsr.flow.parameters import FlowParameters
from lsr.flow.sampling import draw_inputs

ENGINES = ("compiled", "reference")


def run(
    params: FlowParameters,
    seed: int,
    replication: int,
    engine: str = "compiled",
    max_rate: float | None = None,
) -> RunSummary:
    """Simulate replication ``replication`` of ``params`` with ``seed`` and summarise it.

    ``engine`` is ``"compiled"`` (numba, fast) or ``"reference"`` (plain Python, identical
    results). ``max_rate`` is the thinning rate of the arrival stream; scenarios compared under
    common random numbers must share it (see :mod:`lsr.flow.sampling`)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    inputs = draw_inputs(params, seed, replication, max_rate=max_rate)
    records = simulate(inputs) if engine == "compiled" else simulate_reference(inputs)
    return summarise(params, inputs, records)
