"""One run of the flow model: draw the inputs, simulate, summarise."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import simulate_reference
from lsr.flow.outputs import RunSummary, summarise
from lsr.flow.parameters import FlowParameters
from lsr.flow.sampling import (
    FlowInputs,
    draw_inputs,
    draw_inputs_many,
    patient_key,
    with_system,
)

ENGINES = ("compiled", "reference")


class PatientCache:
    """The last few replications' patients, keyed by what they depend on
    (:func:`~lsr.flow.sampling.patient_key`, seed, replication and thinning rate).

    Scenarios that change only the system (capacities, overflow rules, where CHC assessments
    happen) run on the patients already drawn for another scenario of the same replication,
    with their own system swapped in (:func:`~lsr.flow.sampling.with_system`): the inputs are
    identical to drawing them again, at a fraction of the cost.

    With a ``group`` (the parameter sets of one experiment or sweep task), the first request of
    a replication for a member draws the whole group at once
    (:func:`~lsr.flow.sampling.draw_inputs_many`), so that members differing only in their
    arrival rate (a surge) share the candidate arrivals and their attributes too."""

    def __init__(self, size: int = 8, group: Sequence[FlowParameters] = ()) -> None:
        self.group = list(group)
        self.size = max(size, len(self.group) + 1)
        self._items: OrderedDict[Any, FlowInputs] = OrderedDict()
        self.hits = 0

    def inputs(
        self, params: FlowParameters, seed: int, replication: int, max_rate: float | None
    ) -> FlowInputs:
        """:func:`~lsr.flow.sampling.draw_inputs` for ``params``, reusing drawn patients."""
        key = (patient_key(params), seed, replication, max_rate)
        found = self._items.get(key)
        if found is not None:
            self.hits += 1
            self._items.move_to_end(key)
            return with_system(found, params)
        if max_rate is not None and params in self.group:
            many = draw_inputs_many(self.group, seed, replication, max_rate=max_rate)
            for member, x in zip(self.group, many, strict=True):
                self._store((patient_key(member), seed, replication, max_rate), x)
            return with_system(self._items[key], params)
        drawn = draw_inputs(params, seed, replication, max_rate=max_rate)
        self._store(key, drawn)
        return drawn

    def _store(self, key: Any, inputs: FlowInputs) -> None:
        if key in self._items:
            return
        self._items[key] = inputs
        if len(self._items) > self.size:
            self._items.popitem(last=False)


def run(
    params: FlowParameters,
    seed: int,
    replication: int,
    engine: str = "compiled",
    max_rate: float | None = None,
    cache: PatientCache | None = None,
) -> RunSummary:
    """Simulate replication ``replication`` of ``params`` with ``seed`` and summarise it.

    ``engine`` is ``"compiled"`` (numba, fast) or ``"reference"`` (plain Python, identical
    results). ``max_rate`` is the thinning rate of the arrival stream; scenarios compared under
    common random numbers must share it (see :mod:`lsr.flow.sampling`). ``cache`` reuses the
    patients drawn for an earlier scenario of the same replication where they are the same
    (:class:`PatientCache`; the results do not change)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if cache is None:
        inputs = draw_inputs(params, seed, replication, max_rate=max_rate)
    else:
        inputs = cache.inputs(params, seed, replication, max_rate)
    records = simulate(inputs) if engine == "compiled" else simulate_reference(inputs)
    return summarise(params, inputs, records)
