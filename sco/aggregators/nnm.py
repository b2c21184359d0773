"""Nearest-neighbour mixing, NNM (Allouah et al. 2023, "Fixing by Mixing"; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import (
    GramBounds,
    as_workers,
    check_f,
    interval,
    pair_sqdist,
    row_blocks,
    rows_sqdist,
    select_smallest,
)
from .registry import AggregatorLike, resolve


def nnm_neighbours(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""The mixing sets of NNM: ``keep[..., i, j]`` is True when x_j is one of the m − f rows
    nearest to x_i, itself first (even among exact duplicates), then by (D_ij, j): ties go to
    the lower index. ``x[..., m, d] -> bool [..., m, m]`` with m − f True per row.

    D is the direct distance of ``_common`` (exact on dyadic-grid data, blind to a common
    offset). It is estimated from Gram matrices with a rigorous error bound, row block by row
    block (:class:`~._common.GramBounds`, O(m²d) in BLAS, temporaries of a few MiB, never
    ``[m, m, d]``); only the pairs the bound cannot order against the (m − f)-th neighbour are
    recomputed by direct differences (O(d) each; a few per row, all of them when every distance
    ties).
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="nnm")
    return _neighbours(GramBounds(x), m - f).reshape(*x.shape[:-1], m)


def _neighbours(gb: GramBounds, k: int) -> np.ndarray:
    """:func:`nnm_neighbours` on a prepared :class:`GramBounds`: ``bool [nb, m, m]``."""
    nb, m, _ = gb.x3.shape
    keep = np.empty((nb, m, m), dtype=bool)
    for rows in row_blocks(m, nb * m):
        keep[:, rows, :] = _block_neighbours(gb, rows, k)
    return keep


def _block_neighbours(gb: GramBounds, rows: slice, k: int) -> np.ndarray:
    """The k nearest rows (itself first) of the rows ``rows``: ``bool [nb, B, m]``."""
    nb, m, _ = gb.x3.shape
    start, n_rows = rows.start, rows.stop - rows.start
    if k >= m:
        return np.ones((nb, n_rows, m), dtype=bool)
    est, err = gb.block(rows)
    lo, hi = interval(est, err)
    own = np.arange(start, rows.stop)
    lo[:, own - start, own] = -1.0  # itself first
    hi[:, own - start, own] = -1.0

    def exact(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        b, i = np.divmod(r, n_rows)
        i += start
        return np.where(i == c, -1.0, pair_sqdist(gb.x3, gb.bad, b, i, c))

    def exact_rows(r: np.ndarray) -> np.ndarray:
        b, i = np.divmod(r, n_rows)
        i += start
        dist = rows_sqdist(gb.x3, gb.bad, b, i)
        dist[np.arange(r.shape[0]), i] = -1.0
        return dist

    keep = select_smallest(lo.reshape(-1, m), hi.reshape(-1, m), k, exact, exact_rows)
    return keep.reshape(nb, n_rows, m)


def nnm_mix(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""Replace each x_i by the mean of its m − f nearest rows (itself included; ties: lower
    index). ``x[..., m, d] -> [..., m, d]``.

    y_i = Σ_j W_ij x_j with W_ij = 1/(m − f) on the sets of :func:`nnm_neighbours` and 0
    elsewhere, one BLAS product per row block; never an ``[m, m − f, d]`` gather. Ties are exact
    at any offset and scale (see :func:`nnm_neighbours`). A row whose neighbourhood contains a
    bad row (including a bad row itself) comes out as NaN, so the base rule sees it as bad.
    Cost O(m²d): two BLAS products of that size per row block and O(m²) selection work.
    """
    x = as_workers(x)
    *batch, m, d = x.shape
    f = check_f(f, m, name="nnm")
    gb = GramBounds(x)
    nb = gb.x3.shape[0]
    any_bad = bool(gb.bad.any())
    xs = np.where(gb.bad[..., None], 0.0, gb.x3) if any_bad else gb.x3
    out = np.empty((nb, m, d))
    w = 1.0 / (m - f)
    for rows in row_blocks(m, nb * m):
        keep = _block_neighbours(gb, rows, m - f)
        out[:, rows, :] = np.matmul(keep * w, xs)
        if any_bad:
            tainted = (keep & gb.bad[:, None, :]).any(axis=-1)
            out[:, rows, :][tainted] = np.nan
    return out.reshape(*batch, m, d)


def nnm(
    x: np.ndarray, *, f: int, base: AggregatorLike, rng: np.random.Generator | None = None
) -> np.ndarray:
    r"""NNM then the base rule F: F(W x) with the mixing of :func:`nnm_mix`.

    ``x[..., m, d] -> [..., d]``. (f, κ)-robust with κ = 8f/(m − f)·(κ_F + 1) (Allouah et al.
    2023). Cost O(m²d): quadratic in m, which CTMA avoids.
    """
    return resolve(base)(nnm_mix(x, f=f), f=f, rng=rng)
