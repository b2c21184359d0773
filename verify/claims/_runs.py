"""Simulation runs shared by several claims (R1 and R2 use the same horizons), memoised.

The cache is keyed by the problem object's identity and the call's keywords (objects among
them, such as a user's aggregator function, by identity too); the problem and the keywords are
kept alive inside the entry, so an identity is never reused for another object while the entry
exists. Entries are small (``[S, k]`` metrics); the oldest are dropped beyond ``MAX_ENTRIES``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

import sco

MAX_ENTRIES = 512
_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, dict[str, Any], sco.Trace]] = OrderedDict()


def _key(problem: Any, kw: dict[str, Any]) -> tuple[Any, ...]:
    def freeze(v: Any) -> Any:
        if isinstance(v, (list, tuple, np.ndarray)):
            return tuple(freeze(u) for u in np.asarray(v).tolist())
        if isinstance(v, (str, int, float, bool)) or v is None:
            return v
        return ("id", id(v))

    return (id(problem), *sorted((k, freeze(v)) for k, v in kw.items()))


def simulate(problem: Any, **kw: Any) -> sco.Trace:
    """``sco.simulate(problem, **kw)``, memoised (see the module docstring)."""
    key = _key(problem, kw)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit[2]
    trace = sco.simulate(problem, **kw)
    _CACHE[key] = (problem, kw, trace)
    while len(_CACHE) > MAX_ENTRIES:
        _CACHE.popitem(last=False)
    return trace


def clear() -> None:
    """Forget every memoised run."""
    _CACHE.clear()


def final(problem: Any, metric: str = "subopt", **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    """The metric at the horizon T per seed ``[S]`` and the seeds' divergence flags ``[S]``."""
    tr = simulate(problem, record=(metric,), checkpoints=[kw["T"]], **kw)
    return tr[metric][:, -1], tr.diverged
