"""MeaMed, the mean around the median (Xie, Koyejo & Gupta 2018; docs/theory.md §2).

The shared piece, :func:`nearest_to_median_mean`, is also Bulyan's second phase: per
coordinate, the mean of the k values nearest to the coordinate median, with every distance
comparison decided exactly and a fixed tie rule (lower worker index first).
"""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f
from ._orderstats import rank_range_sum


def _two_diff(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a − b = s + e`` exactly (Knuth's two-sum on a and −b): s = fl(a − b), e the rounding
    error (NaN where s is infinite)."""
    with np.errstate(invalid="ignore", over="ignore"):
        s = a - b
        bb = s - a
        e = (a - (s - bb)) + (-b - bb)  # Knuth: (a − a') + (c − c'), c = −b, both exact
    return s, e


def _abs_dist(v: np.ndarray, med: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|v − med| as a pair (hi, lo) that compares exactly: hi = |fl(v − med)| and lo the signed
    rounding error, so that |v − med| = hi + lo. Rounding is monotone, so the pairs order the
    exact distances lexicographically (hi first, then lo)."""
    s, e = _two_diff(v, med)
    return np.abs(s), np.where(s < 0, -e, e)


def _farther(
    ha: np.ndarray, la: np.ndarray, hb: np.ndarray, lb: np.ndarray, ia: np.ndarray, ib: np.ndarray
) -> np.ndarray:
    """True where value a is *worse* than value b: strictly farther from the median, or equally
    far with the higher worker index (two distances that are both beyond the float range, e.g.
    two infinite values, count as equal)."""
    with np.errstate(invalid="ignore"):
        gt = (ha > hb) | ((ha == hb) & (la > lb))
        eq = (ha == hb) & ((la == lb) | np.isinf(ha))
    return gt | (eq & (ia > ib))


def nearest_to_median_mean(x: np.ndarray, k: int) -> np.ndarray:
    r"""Per coordinate, the mean of the k values nearest to the coordinate median.

    ``x[..., n, d] -> [..., d]`` with 1 ≤ k ≤ n; NaN counts as +inf. For each batch element and
    coordinate j:

    1. med = the median of the n values, exactly as :func:`~.coordinatewise.cwmed` computes it
       (the midpoint of the two middle values when n is even);
    2. order the n values by (|v − med|, worker index), the distance compared exactly, and keep
       the first k (ties at the cut: lower worker index first);
    3. return the sum of the kept values, added in ascending value order from +0.0, over k.

    The kept values form a window of k consecutive values in sorted order. Sorting with equal
    values below med in descending index order and the others in ascending index order makes the
    tails ordered worst first from outside in; the window start is then the number of s in
    [0, n − k) for which value s is worse than value s + k (both predicates are decided exactly:
    |v − med| is carried as fl(v − med) plus its rounding error). Cost O(n log n) per
    coordinate for the sort plus O(nd) elementwise work.
    """
    x = as_workers(x)
    *batch, n, d = x.shape
    lo, hi = (n - 1) // 2, n // 2 + 1
    with np.errstate(invalid="ignore", over="ignore"):
        med = rank_range_sum(x, lo, hi) / (hi - lo)  # exactly cwmed
    v = np.where(np.isnan(x), np.inf, x)
    idx = np.broadcast_to(np.arange(n)[:, None], v.shape)
    with np.errstate(invalid="ignore"):
        key = np.where(v < med[..., None, :], -idx, idx)  # below med: higher index first
    # sort each coordinate by (value, key): lexsort works on the last axis
    vt, kt = np.swapaxes(v, -1, -2), np.swapaxes(key, -1, -2)
    order = np.lexsort((kt, vt), axis=-1)
    vs = np.take_along_axis(vt, order, axis=-1)  # [..., d, n] ascending
    ids = np.take_along_axis(np.swapaxes(idx, -1, -2), order, axis=-1)
    drop = n - k
    start = np.zeros((*batch, d), dtype=np.intp)
    if drop:
        m3 = med[..., None]
        ha, la = _abs_dist(vs[..., :drop], m3)
        hb, lb = _abs_dist(vs[..., k:], m3)
        worse = _farther(ha, la, hb, lb, ids[..., :drop], ids[..., k:])
        start = np.count_nonzero(worse, axis=-1)
    out = np.zeros((*batch, d))
    with np.errstate(invalid="ignore", over="ignore"):
        for r in range(k):
            out += np.take_along_axis(vs, (start + r)[..., None], axis=-1)[..., 0]
    return out / k


def meamed(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""Mean around the median (MeaMed; Xie, Koyejo & Gupta 2018).

    Per coordinate: med = the coordinate median (the midpoint of the two middle values when m is
    even, exactly as :func:`~.coordinatewise.cwmed`); keep the m − f values nearest to med and
    return their mean. Ties at the cut (values at the same distance from med, e.g. med − a and
    med + a): stable order, the lower worker index is kept first. Distances are compared
    exactly (see :func:`nearest_to_median_mean`), the kept values are added in ascending order.

    ``x[..., m, d] -> [..., d]``; needs m > 2f. NaN counts as +inf; up to f non-finite entries
    per coordinate are the farthest values and are dropped. Translation equivariant up to
    rounding; κ: none declared.
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="meamed")
    return nearest_to_median_mean(x, m - f)
