"""Monte-Carlo decision rules used by the tests (and their own negative controls).

Each rule works on i.i.d. draws of a non-negative or real quantity and uses the normal
approximation to the sample mean with ``z`` standard errors (z = 5: one-sided error ≈ 3e-7).
"""

from __future__ import annotations

import numpy as np

Z = 5.0


def mean_se(draws: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error over axis 0."""
    draws = np.asarray(draws, dtype=np.float64)
    return float(draws.mean()), float(draws.std(ddof=1) / np.sqrt(draws.shape[0]))


def exceeds(draws: np.ndarray, declared: float, z: float = Z) -> bool:
    """True when the mean of ``draws`` is above ``declared`` beyond z standard errors (one-sided):
    evidence that an upper bound ``declared`` on E[draw] is violated."""
    mean, se = mean_se(draws)
    return mean - z * se > declared * (1.0 + 1e-12)


def differs(draws: np.ndarray, exact: float, z: float = Z) -> bool:
    """True when the mean of ``draws`` is farther than z standard errors from ``exact``."""
    mean, se = mean_se(draws)
    return abs(mean - exact) > z * se + 1e-12 * abs(exact)


def biased(draws: np.ndarray, target: np.ndarray, z: float = Z) -> bool:
    """True when some coordinate of the mean of ``draws[n, d]`` differs from ``target[d]`` by
    more than z standard errors (Bonferroni over coordinates is implied by the large z)."""
    draws = np.asarray(draws, dtype=np.float64)
    se = draws.std(axis=0, ddof=1) / np.sqrt(draws.shape[0])
    return bool(np.any(np.abs(draws.mean(axis=0) - target) > z * se + 1e-12))


def uniform_ball(rng: np.random.Generator, n: int, center: np.ndarray, radius: float) -> np.ndarray:
    """``[n, d]`` points uniform in the ball."""
    d = center.shape[0]
    u = rng.standard_normal((n, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return center + u * (radius * rng.random((n, 1)) ** (1.0 / d))
