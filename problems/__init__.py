"""Stochastic convex optimisation problems with known optima and exact (or bounding) constants.

Every problem minimises a convex, L-smooth objective over a Euclidean ball that strictly contains
its minimiser x*, and declares ``L``, ``sigma2``, ``sigma_L2``, ``sigma_tilde2``, ``x_star`` and
``f_star`` (docs/theory.md §1). Oracles are batched over any leading shape, and each row of a
batch is computed on its own (one BLAS call per row, :mod:`problems._linalg`), so its bits do not
depend on the batch; ``sample(rng, shape)`` is separate from ``stoch_grad(x, samples)`` so that
one sample can be evaluated at two points. Constructing a problem needs numpy and scipy only
(cvxpy is an optional cross-check of the logistic x*).

>>> import problems
>>> p = problems.make("quadratic", dim=5, rng=1)
>>> float(p.value(p.x_star)) == p.f_star
True
"""

from __future__ import annotations

from ._ball import BallProblem
from ._logistic_solve import (
    LogisticSolution,
    NewtonSolution,
    newton_solve,
    solve_cache_info,
    solve_logistic,
)
from .heterogeneous import HeterogeneousQuadratic
from .least_squares import LeastSquares
from .logistic import Logistic
from .logistic_split import Dissimilarity, LogisticSplit, gd_path, measure_dissimilarity
from .quadratic import Quadratic
from .registry import make, names, register, unregister

__all__ = [
    "BallProblem",
    "Dissimilarity",
    "HeterogeneousQuadratic",
    "LeastSquares",
    "Logistic",
    "LogisticSolution",
    "LogisticSplit",
    "NewtonSolution",
    "Quadratic",
    "gd_path",
    "make",
    "measure_dissimilarity",
    "names",
    "newton_solve",
    "register",
    "solve_cache_info",
    "solve_logistic",
    "unregister",
]
