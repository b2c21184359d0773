"""Named combinations of an estimator and an aggregator from the literature, as keyword
arguments of :func:`sco.simulate`: ``sco.simulate(problem, **sco.presets.monna(), attack=...,
m=..., f=..., T=..., lr=...)``.

Each preset returns ``dict(estimator=..., aggregator=...)`` whose values are canonical spec
strings (``sco.estimators.make`` and ``sco.aggregators.make`` rebuild them), so a preset is
exactly the explicit run with those two specs. :data:`PRESETS` maps names to the functions.
"""

from __future__ import annotations

from collections.abc import Callable

from . import aggregators as _aggregators
from . import estimators as _estimators

__all__ = ["PRESETS", "monna"]


def monna(beta: float = 0.9, base: str | _aggregators.Aggregator = "cwtm") -> dict[str, str]:
    r"""MoNNA (Allouah et al. 2023, "Fixing by Mixing"): worker momentum with weight β, then
    NNM followed by the base rule.

    Returns ``{"estimator": "momentum(beta=β)", "aggregator": "nnm(<base>)"}``: honest workers
    send d_t = β d_{t−1} + (1 − β) ∇f(x_t; z_t) (:func:`sco.estimators.momentum`) and the server
    aggregates with :func:`sco.aggregators.nnm` on ``base`` (a spec string or an
    :class:`~sco.aggregators.Aggregator`; default CWTM). β must be a number in [0, 1].
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be a number in [0, 1]; got {beta!r}")
    if not isinstance(base, (str, _aggregators.Aggregator)):
        raise ValueError(f"base must be an aggregator spec string or an Aggregator; got {base!r}")
    base_spec = _aggregators.resolve(base).spec
    return {
        "estimator": _estimators.momentum(beta=beta).spec,
        "aggregator": _aggregators.make(f"nnm({base_spec})").spec,
    }


#: Preset name -> function returning ``dict(estimator=..., aggregator=...)``.
PRESETS: dict[str, Callable[..., dict[str, str]]] = {"monna": monna}
