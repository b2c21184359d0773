"""Krum and Multi-Krum (Blanchard et al. 2017; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import (
    _U,
    BLOCK,
    GramBounds,
    as_workers,
    bad_rows,
    check_f,
    interval,
    row_blocks,
    rows_sqdist,
    select_mean,
    select_smallest,
)


def _exact_scores(
    x3: np.ndarray, bad: np.ndarray, b: np.ndarray, i: np.ndarray, n: int
) -> np.ndarray:
    """Krum scores of the listed rows from direct distances: for each p, the n smallest of
    D(x3[b_p, i_p], x3[b_p, j]) over j ≠ i_p, sorted ascending and summed. ``-> [P]``.

    The defining computation (module docstring of ``_common``): it is what :func:`krum_scores`
    returns and what every Krum selection agrees with. Chunks of about ``BLOCK`` elements.
    """
    _, m, _ = x3.shape
    out = np.empty(b.shape[0])
    step = max(1, BLOCK // m)
    for start in range(0, b.shape[0], step):
        bb, ii = b[start : start + step], i[start : start + step]
        dist = rows_sqdist(x3, bad, bb, ii)
        dist[np.arange(bb.shape[0]), ii] = np.inf  # a point is not its own neighbour
        near = np.sort(np.partition(dist, n - 1, axis=-1)[:, :n], axis=-1)
        out[start : start + step] = near.sum(axis=-1)
    return out


def krum_scores(x: np.ndarray, *, f: int) -> np.ndarray:
    """score_i = Σ of the squared distances from x_i to its m − f − 2 nearest other points.

    ``x[..., m, d] -> [..., m]``; bad rows score +inf. Needs m ≥ 2f + 3. The distances are the
    direct ones (``_common``: subtract, square, sum), sorted ascending and summed, so scores of
    data on a common dyadic grid are exact and exactly tied scores are equal. This is the
    reference computation (O(m²d) elementwise work); :func:`krum` and :func:`multi_krum` select
    exactly as these scores and the index rule say, at BLAS speed.
    """
    x = as_workers(x)
    *batch, m, d = x.shape
    f = check_f(f, m, name="krum", min_m=2 * f + 3)
    x3 = np.ascontiguousarray(x).reshape(-1, m, d)
    b, i = np.indices(x3.shape[:2]).reshape(2, -1)
    return _exact_scores(x3, bad_rows(x3), b, i, m - f - 2).reshape(*batch, m)


def _lowest_scores(x: np.ndarray, f: int, k: int) -> np.ndarray:
    """The k rows with the lowest (score, index): ``x[..., m, d] -> bool [nb, m]`` (batch
    flattened).

    Scores are estimated from Gram-matrix distances (:class:`~._common.GramBounds`, O(m²d)
    BLAS in row blocks) with a bound: every distance of row i satisfies
    |D_ij − E_ij| ≤ a_i + b E_ij (a_i = 3C's_i + A, b = 2C'), a bound increasing in E_ij, so the
    sum of the n smallest D is within n a_i + b ŝ_i of the sum ŝ_i of the n smallest E; with the
    rounding of both sums, |score_i − ŝ_i| ≤ 1.5 (n a_i + (b + 2(n + 1)u) ŝ_i). Rows whose
    interval reaches the k-th place get their exact score (:func:`_exact_scores`, O(md) each).
    """
    gb = GramBounds(x)
    nb, m, _ = gb.x3.shape
    n = m - f - 2
    s_hat = np.empty((nb, m))
    for rows in row_blocks(m, nb * m):
        est, _ = gb.block(rows)
        own = np.arange(rows.start, rows.stop)
        est[:, own - rows.start, own] = np.inf
        near = np.sort(np.partition(est, n - 1, axis=-1)[..., :n], axis=-1)
        s_hat[:, rows] = near.sum(axis=-1)
    a = 3.0 * gb.coef2 * gb.s + gb.atol
    with np.errstate(invalid="ignore", over="ignore"):
        err = 1.5 * (n * a + (2.0 * gb.coef2 + 2.0 * (n + 1) * _U) * s_hat)
    lo, hi = interval(s_hat, err)
    lo[gb.bad] = np.inf
    hi[gb.bad] = np.inf

    def exact(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        return _exact_scores(gb.x3, gb.bad, r, c, n)

    return select_smallest(lo, hi, k, exact)


def krum_selection(x: np.ndarray, *, f: int, k: int | None = None) -> np.ndarray:
    """The k rows with the lowest (score, index) of :func:`krum_scores`: ``x[..., m, d] ->
    bool [..., m]`` (default k = m − f; k = 1 is Krum's choice). Needs m ≥ 2f + 3, 1 ≤ k ≤ m."""
    x = as_workers(x)
    m = x.shape[-2]
    k = m - int(f) if k is None else k
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= m:
        raise ValueError(f"k must be an integer with 1 <= k <= m = {m}; got {k!r}")
    f = check_f(f, m, name="krum", min_m=2 * f + 3)
    return _lowest_scores(x, f, int(k)).reshape(x.shape[:-1])


def krum(x: np.ndarray, *, f: int) -> np.ndarray:
    """The point with the lowest Krum score (lowest index on ties): ``x[..., m, d] -> [..., d]``.

    Needs m ≥ 2f + 3. (f, κ)-robust with κ = 6(1 + q), q = f/(m − 2f) (Allouah et al. 2023).
    Ties are exact: the choice is the argmin (lowest index first) of :func:`krum_scores`, on
    any input, at any offset or scale. Cost O(m²d) in BLAS (row blocks of a few MiB) plus O(md)
    per row whose score is within rounding of the best one (all rows when all scores tie).
    """
    best = np.argmax(krum_selection(x, f=f, k=1), axis=-1)
    x = as_workers(x)
    return np.take_along_axis(x, best[..., None, None], axis=-2)[..., 0, :]


def multi_krum(x: np.ndarray, *, f: int, k: int | None = None) -> np.ndarray:
    """Mean of the k points with the lowest Krum scores (ties: lower index first); default
    k = m − f. ``x[..., m, d] -> [..., d]``; needs m ≥ 2f + 3 and 1 ≤ k ≤ m.

    The selection is :func:`krum_selection` (exactly the first k by (score, index) of
    :func:`krum_scores`); the kept rows are averaged in index order. Cost as :func:`krum`.
    """
    keep = krum_selection(x, f=f, k=k)
    x = as_workers(x)
    n_keep = int(keep.sum(axis=-1).flat[0])
    return select_mean(x, np.argsort(~keep, axis=-1, kind="stable")[..., :n_keep])
