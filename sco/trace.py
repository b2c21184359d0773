"""The result of :func:`sco.simulate`: metrics at checkpoints, per seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

METRICS = ("subopt", "agg_err", "est_err", "honest_spread", "dist")
ITERATES = ("x", "w")  # recorded points [S, k, d]: the query point x_t and the SGD sequence w_t


@dataclass(frozen=True)
class Trace:
    """Metrics of a simulated run.

    Attributes
    ----------
    steps : int array [k]
        The checkpoints t (1-based) at which metrics were recorded.
    metrics : dict name -> array [S, k]
        ``subopt`` f(x_t) − f*, ``agg_err`` ‖d̂_t − d̄_G,t‖², ``est_err`` ‖d̂_t − ∇f(x_t)‖²,
        ``honest_spread`` V_t = (1/(m − f))Σ_{i∈G}‖d_t^i − d̄_G,t‖², ``dist`` ‖x_t − x*‖².
        NaN from the step at which a seed diverged.
    diverged : bool array [S]
        True when the seed's iterate became non-finite (the run continues for the others).
    x_final : array [S, d]
        The output x_T (NaN for diverged seeds).
    seeds : int array [S]
        Seed indices.
    config : dict
        The call's parameters (specs as strings).
    versions : dict
        Package versions that produced the trace.
    iterates : dict name -> array [S, k, d]
        When ``record`` asks for them: ``x`` the query points x_t and ``w`` the server's SGD
        sequence w_t (equal to x_t for plain SGD) at the checkpoints.
    """

    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    diverged: np.ndarray
    x_final: np.ndarray
    seeds: np.ndarray
    config: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    iterates: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r}; recorded: {sorted(self.metrics)}")
        return self.metrics[name]

    @property
    def n_seeds(self) -> int:
        return int(self.seeds.shape[0])

    def select(self, index: Any) -> Trace:
        """The trace restricted to some seeds (``index`` into the seed axis)."""
        idx = np.arange(self.n_seeds)[index]
        idx = np.atleast_1d(idx)
        return Trace(
            self.steps,
            {k: v[idx] for k, v in self.metrics.items()},
            self.diverged[idx],
            self.x_final[idx],
            self.seeds[idx],
            dict(self.config),
            dict(self.versions),
            {k: v[idx] for k, v in self.iterates.items()},
        )
