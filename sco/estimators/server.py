"""Server-side update rules: how the aggregated message moves the iterate (docs/theory.md §4).

Each rule is an ``(init, update)`` pair of pure functions over a NamedTuple state holding the
query point ``x[..., d]`` (where workers evaluate gradients) and, for anytime averaging, the
SGD sequence ``w[..., d]``. ``update(state, d_hat, t, lr, project) -> state`` performs step t
(1-based) with the aggregated message d̂_t ``[..., d]``; ``project`` is Π_K.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Project = Callable[[np.ndarray], np.ndarray]


class Iterate(NamedTuple):
    """Server state: the query point x_t and the SGD sequence w_t (= x_t for plain SGD)."""

    x: np.ndarray
    w: np.ndarray


class ServerRule(NamedTuple):
    init: Callable[[np.ndarray], Iterate]
    update: Callable[[Iterate, np.ndarray, int, float, Project], Iterate]


def _start(x0: np.ndarray) -> Iterate:
    # C order whatever the input's layout (a broadcast x0 would otherwise give a Fortran-ordered
    # [S, d] for S > 1 but not for S = 1, and BLAS rounds strided rows differently)
    x = np.array(x0, dtype=np.float64, order="C")
    return Iterate(x, x.copy())


def projected_sgd() -> ServerRule:
    """x_{t+1} = Π_K(x_t − η d̂_t)."""

    def update(state: Iterate, d_hat: np.ndarray, t: int, lr: float, project: Project) -> Iterate:
        x = project(state.x - lr * d_hat)
        return Iterate(x, x)

    return ServerRule(_start, update)


def stand_still() -> ServerRule:
    """x_{t+1} = x_t: an optimiser that never moves (the vacuity control of docs/theory.md §5:
    an upper bound on suboptimality that this also satisfies shows nothing)."""

    def update(state: Iterate, d_hat: np.ndarray, t: int, lr: float, project: Project) -> Iterate:
        return state

    return ServerRule(_start, update)


def anytime() -> ServerRule:
    """Anytime online-to-batch averaging with weights α_t = t (Cutkosky 2019; Levy 2023):

        w_{t+1} = Π_K(w_t − η α_t d̂_t),
        x_{t+1} = (α_{1:t} x_t + α_{t+1} w_{t+1}) / α_{1:t+1},   α_{1:t} = t(t + 1)/2,

    i.e. x_{t+1} = (t·x_t + 2·w_{t+1}) / (t + 2); w_1 = x_1 = x₀.
    """

    def update(state: Iterate, d_hat: np.ndarray, t: int, lr: float, project: Project) -> Iterate:
        w = project(state.w - (lr * t) * d_hat)
        x = (t * state.x + 2.0 * w) / (t + 2.0)
        return Iterate(x, w)

    return ServerRule(_start, update)


def paper_code_weight(t: int, *, rounding: bool, floor: float) -> float:
    """The averaging weight γ_t of the authors' code (docs/theory.md §8):
    γ_t = max(round(2/(t + 1), 3), floor) with ``rounding`` (Python's correctly rounded
    ``round``), else max(2/(t + 1), floor). γ_1 = 1, so x_2 = w_2."""
    g = 2.0 / (t + 1.0)
    return max(round(g, 3) if rounding else g, floor)


def anytime_paper_code(
    *, rounding: bool = True, floor: float = 0.01, alpha_step: bool = False
) -> ServerRule:
    """The server of the authors' public code (docs/theory.md §8):

        w_{t+1} = Π_K(w_t − η_t d̂_t),   x_{t+1} = (1 − γ_t) x_t + γ_t w_{t+1},

    with γ_t of :func:`paper_code_weight`, η_t = η (constant), or η_t = η·t with
    ``alpha_step`` (the α_t-weighted step of docs/theory.md §4 on w).
    """

    def update(state: Iterate, d_hat: np.ndarray, t: int, lr: float, project: Project) -> Iterate:
        w = project(state.w - (lr * t if alpha_step else lr) * d_hat)
        gamma = paper_code_weight(t, rounding=rounding, floor=floor)
        return Iterate((1.0 - gamma) * state.x + gamma * w, w)

    return ServerRule(_start, update)
