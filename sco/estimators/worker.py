"""Worker-side gradient estimators: what an honest worker sends (docs/theory.md §4).

Each estimator is an ``(init, update)`` pair of pure functions over a NamedTuple state, in the
style of optax. Shapes: ``g[..., d]`` are stochastic gradients of the worker's fresh sample;
the message is ``state.d[..., d]``; ``t`` is the 1-based step index.

- ``init(g1) -> state`` with g1 = ∇f(x_1; z_1);
- ``update(state, g, g_prev, t) -> state`` with g = ∇f(x_t; z_t) and g_prev = ∇f(x_{t−1}; z_t),
  the same sample at the previous query point (only STORM uses it; others get ``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Message(NamedTuple):
    """Worker state: the current message d_t ``[..., d]``."""

    d: np.ndarray


class WorkerEstimator(NamedTuple):
    """An (init, update) pair plus whether ``update`` needs the gradient at the previous point,
    and whether the worker is given exact gradients ∇f_i(x_t) instead of sampled ones
    (``full_gradient``: no sample is drawn; what full-gradient descent ``gd`` uses)."""

    init: Callable[[np.ndarray], Message]
    update: Callable[[Message, np.ndarray, np.ndarray | None, int], Message]
    uses_previous_point: bool
    full_gradient: bool = False


def _first(g1: np.ndarray) -> Message:
    return Message(np.array(g1, dtype=np.float64))


def plain() -> WorkerEstimator:
    """Memoryless SGD message: d_t = ∇f(x_t; z_t)."""

    def update(state: Message, g: np.ndarray, g_prev: np.ndarray | None, t: int) -> Message:
        return Message(np.array(g, dtype=np.float64))

    return WorkerEstimator(_first, update, False)


def exact() -> WorkerEstimator:
    """Full-gradient message: d_t = ∇f_i(x_t), the worker's exact gradient (no sampling noise).
    ``sco.simulate`` evaluates ``problem.grad_i`` (or ``problem.grad`` for identical workers)
    and draws no samples."""
    return plain()._replace(full_gradient=True)


def ema(beta: float) -> WorkerEstimator:
    """Worker momentum (exponential moving average), d_1 = ∇f(x_1; z_1) and for t ≥ 2

        d_t = β d_{t−1} + (1 − β) ∇f(x_t; z_t).

    (Initialising with the first gradient instead of 0 keeps d_t unbiased for a constant
    gradient; Karimireddy et al. 2021, Allouah et al. 2023 use worker momentum of this form.)
    """

    def update(state: Message, g: np.ndarray, g_prev: np.ndarray | None, t: int) -> Message:
        return Message(beta * state.d + (1.0 - beta) * g)

    return WorkerEstimator(_first, update, False)


def storm(beta: Callable[[int], float]) -> WorkerEstimator:
    """STORM momentum (Cutkosky & Orabona 2019) with weight schedule β_t:

        d_1 = ∇f(x_1; z_1),   d_t = ∇f(x_t; z_t) + (1 − β_t)(d_{t−1} − ∇f(x_{t−1}; z_t)),

    the same sample z_t at both points. β_t = 1/t is μ²-SGD's choice (Levy 2023); β_t = 1 is
    plain SGD.
    """

    def update(state: Message, g: np.ndarray, g_prev: np.ndarray | None, t: int) -> Message:
        if g_prev is None:
            raise ValueError("storm needs the gradient at the previous point (g_prev)")
        # g + (1 − β_t)(d_{t−1} − g_prev), the same roundings, in one new array
        d = np.subtract(state.d, g_prev)
        d *= 1.0 - beta(t)
        d += g
        return Message(d)

    return WorkerEstimator(_first, update, True)
