"""Krum and Multi-Krum (Blanchard et al. 2017; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f, pairwise_sqdist, select_mean


def krum_scores(x: np.ndarray, *, f: int) -> np.ndarray:
    """score_i = Σ of the squared distances from x_i to its m − f − 2 nearest other points.

    ``x[..., m, d] -> [..., m]``; bad rows score +inf. Needs m ≥ 2f + 3.
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="krum", min_m=2 * f + 3)
    dist = pairwise_sqdist(x)
    idx = np.arange(m)
    dist[..., idx, idx] = np.inf  # a point is not its own neighbour
    n_nb = m - f - 2
    nearest = np.partition(dist, n_nb - 1, axis=-1)[..., :n_nb]
    return np.sort(nearest, axis=-1).sum(axis=-1)


def krum(x: np.ndarray, *, f: int) -> np.ndarray:
    """The point with the lowest Krum score (lowest index on ties): ``x[..., m, d] -> [..., d]``.

    Needs m ≥ 2f + 3. (f, κ)-robust with κ = 6(1 + q), q = f/(m − 2f) (Allouah et al. 2023).
    """
    x = as_workers(x)
    best = np.argmin(krum_scores(x, f=f), axis=-1)
    return np.take_along_axis(x, best[..., None, None], axis=-2)[..., 0, :]


def multi_krum(x: np.ndarray, *, f: int, k: int | None = None) -> np.ndarray:
    """Mean of the k points with the lowest Krum scores (ties: lower index first); default
    k = m − f. ``x[..., m, d] -> [..., d]``; needs m ≥ 2f + 3 and 1 ≤ k ≤ m."""
    x = as_workers(x)
    m = x.shape[-2]
    k = m - int(f) if k is None else k
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= m:
        raise ValueError(f"k must be an integer with 1 <= k <= m = {m}; got {k!r}")
    order = np.argsort(krum_scores(x, f=f), axis=-1, kind="stable")[..., :k]
    return select_mean(x, np.sort(order, axis=-1))
