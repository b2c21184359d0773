"""The claims of docs/theory.md §5 as parametrised experiments on instance families.

>>> from verify import claims
>>> claims.ids()                                           # doctest: +SKIP
['K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'E0', 'E1', 'E2', 'R1', 'R2', 'R3', 'S1', 'C1', 'P1']
>>> v = claims.run("E2", scale="smoke", aggregator="ctma(gm)")   # doctest: +SKIP
>>> v.status, v.tightness, v.measurement.values.shape      # doctest: +SKIP

``run(id, scale, negative=False, **overrides) -> Verdict``; ``run_all(ids, scale) -> Outcome``
pairs every claim with its negative controls and decides the overall result.
"""

from __future__ import annotations

from . import (  # noqa: F401  (register)
    convergence,
    cost,
    estimation,
    exact_kappa,
    heterogeneity,
    kappa,
    reproduction,
)
from .registry import (
    SCALES,
    Claim,
    Computed,
    Control,
    Family,
    Instance,
    Outcome,
    Part,
    controls,
    draw,
    get,
    ids,
    instances,
    iter_all,
    outcome_code,
    register,
    run,
    run_all,
    unregister,
)

__all__ = [
    "SCALES",
    "Claim",
    "Computed",
    "Control",
    "Family",
    "Instance",
    "Outcome",
    "Part",
    "controls",
    "draw",
    "get",
    "ids",
    "instances",
    "iter_all",
    "outcome_code",
    "register",
    "run",
    "run_all",
    "unregister",
]
