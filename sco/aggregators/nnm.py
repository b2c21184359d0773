"""Nearest-neighbour mixing, NNM (Allouah et al. 2023, "Fixing by Mixing"; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, bad_rows, check_f, pairwise_sqdist
from .registry import AggregatorLike, resolve


def nnm_mix(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""Replace each x_i by the mean of its m − f nearest rows (itself included; ties: lower
    index). ``x[..., m, d] -> [..., m, d]``.

    Computed from one Gram matrix (O(m²d) BLAS) and a 0/1 mixing matrix W with rows summing to
    one: y = W x; never an ``[m, m − f, d]`` gather. A row whose neighbourhood contains a bad row
    (including a bad row itself) comes out as NaN, so the base rule sees it as bad.
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="nnm")
    dist = pairwise_sqdist(x)
    idx = np.arange(m)
    dist[..., idx, idx] = -1.0  # itself first, even among exact duplicates
    near = np.argsort(dist, axis=-1, kind="stable")[..., : m - f]
    w = np.zeros(dist.shape)
    np.put_along_axis(w, near, 1.0 / (m - f), axis=-1)
    bad = bad_rows(x)
    if not bad.any():
        return np.asarray(w @ x)
    mixed = w @ np.where(bad[..., None], 0.0, x)
    tainted = ((w > 0) & bad[..., None, :]).any(axis=-1)
    return np.where(tainted[..., None], np.nan, mixed)


def nnm(
    x: np.ndarray, *, f: int, base: AggregatorLike, rng: np.random.Generator | None = None
) -> np.ndarray:
    r"""NNM then the base rule F: F(W x) with the mixing of :func:`nnm_mix`.

    ``x[..., m, d] -> [..., d]``. (f, κ)-robust with κ = 8f/(m − f)·(κ_F + 1) (Allouah et al.
    2023). Cost O(m²d): quadratic in m, which CTMA avoids.
    """
    return resolve(base)(nnm_mix(x, f=f), f=f, rng=rng)
