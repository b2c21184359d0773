"""Shared pieces of the aggregators: validation, the non-finite row rule, distances, selection.

Non-finite rule (docs/architecture.md §3): a row is *bad* when any entry is NaN/±Inf or when its
squared norm overflows (e.g. entries of 1e300). Distance-based rules treat a bad row as
infinitely far from every other row (its distances are +inf, it is never selected, never
averaged, and it gets no weight); coordinate-wise rules treat a NaN entry as +inf and let the
trimming discard it.

Distances and ties. The distance every selection rule compares is the *direct* one,
``D_ij = fl(Σ_k fl(x_ik − x_jk)²)`` (subtract, square, add up the d terms). It is symmetric, it
does not see a common offset (x + c·1 gives the same D whenever x + c is exact), and it is the
exact ‖x_i − x_j‖² whenever the differences, their squares and the partial sums are
representable (e.g. data on a common dyadic grid): then exactly tied distances are tied in D and
the index rules of docs/theory.md §2 decide. The fast paths estimate D from one Gram matrix (BLAS,
O(m²d)), bound the estimate's rounding error, and recompute D by direct differences only for
the comparisons that the bound leaves undecided (:func:`select_smallest`), so the selection is
always the one D gives. Every temporary is processed in blocks of about :data:`BLOCK` float64
elements: never an ``[m, m, d]`` array.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator

import numpy as np

#: Elements (float64) of one temporary block: 2**19 = 4 MiB.
BLOCK = 1 << 19
_U = 2.0**-53  # unit roundoff of float64
_HUGE = 2.0**1000  # estimates above this may hide an overflow of D: always recomputed


def as_workers(x: object) -> np.ndarray:
    """``x`` as float64 of shape ``[..., m, d]`` with m, d ≥ 1 (no copy when possible)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-2] == 0 or arr.shape[-1] == 0:
        raise ValueError(f"x must have shape [..., m, d] with m, d >= 1; got shape {arr.shape}")
    return arr


def check_f(f: object, m: int, *, name: str, min_m: int | None = None) -> int:
    """Validate the Byzantine count f for an aggregator over m workers.

    ``min_m`` is the smallest m the rule accepts for this f (default 2f + 1, i.e. m > 2f).
    """
    if isinstance(f, bool) or not isinstance(f, numbers.Integral) or int(f) < 0:
        raise ValueError(f"f must be an integer >= 0; got {f!r}")
    f = int(f)
    need = 2 * f + 1 if min_m is None else min_m
    if m < need:
        raise ValueError(f"{name} needs m >= {need} workers for f = {f}; got m = {m}")
    return f


def bad_rows(x: np.ndarray) -> np.ndarray:
    """Rows treated as infinitely far: ``x[..., m, d] -> bool [..., m]``."""
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.einsum("...ij,...ij->...i", x, x)
    return ~np.isfinite(sq)


def row_blocks(m: int, width: int) -> Iterator[slice]:
    """Consecutive slices of ``range(m)`` with about :data:`BLOCK` / ``width`` rows each."""
    step = max(1, BLOCK // max(1, width))
    for start in range(0, m, step):
        yield slice(start, min(m, start + step))


def rowsq(diff: np.ndarray) -> np.ndarray:
    """Σ_k diff[p, k]² for a 2-D array ``[P, d] -> [P]``: the one summation every direct
    distance goes through, so equal difference vectors always give equal distances."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.einsum("ij,ij->i", diff, diff)


def sqdist_to(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Direct squared distances ‖x_i − c‖² ``(x[..., m, d], c[..., d]) -> [..., m]``.

    Bad rows of x (and every row when c is not finite) get +inf; NaN never comes out. One pass
    over x in row blocks (the difference block stays in cache; no ``[m, d]`` temporary). A row
    can be bad with a finite distance only if ‖x_i − c‖ + ‖c‖ ≥ ‖x_i‖ overflows when squared,
    so the norms of x are computed only for such rows (none, unless c is ~1e154).
    """
    *batch, m, d = x.shape
    nb = math.prod(batch)
    x3 = x.reshape(nb, m, d)
    c3 = np.broadcast_to(c, (*batch, d)).reshape(nb, 1, d)
    out = np.empty((nb, m))
    with np.errstate(over="ignore", invalid="ignore"):
        for blk in row_blocks(m, nb * d):
            xb = x3[:, blk, :]
            out[:, blk] = rowsq((xb - c3).reshape(-1, d)).reshape(xb.shape[:2])
        reach = np.sqrt(out) + np.sqrt(rowsq(c3[:, 0, :]))[:, None]
        b, i = np.nonzero(~(reach < 2.0**510))  # ‖x_i‖ < 2**510: its square cannot overflow
        if b.shape[0]:
            r = out[b, i]
            out[b, i] = np.where(bad_rows(x3[b, i]) | np.isnan(r), np.inf, r)
    return out.reshape(*batch, m)


def pair_sqdist(
    x3: np.ndarray, bad: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """Direct squared distances of listed pairs: ``D[p] = ‖x3[b_p, i_p] − x3[b_p, j_p]‖²``.

    ``x3[nb, m, d]``, ``bad[nb, m]``; ``b, i, j`` integer arrays ``[P]``. Pairs with a bad row
    are +inf (also i = j on a bad row). Processed in chunks of about :data:`BLOCK` elements.
    """
    d = x3.shape[-1]
    out = np.empty(b.shape[0])
    step = max(1, BLOCK // d)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, b.shape[0], step):
            sl = slice(start, start + step)
            out[sl] = rowsq(x3[b[sl], i[sl]] - x3[b[sl], j[sl]])
    out[bad[b, i] | bad[b, j]] = np.inf
    return out


def rows_sqdist(x3: np.ndarray, bad: np.ndarray, b: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Direct squared distances from listed rows to every row of their batch element:
    ``D[p, j] = ‖x3[b_p, i_p] − x3[b_p, j]‖²`` as ``[P, m]`` (same arithmetic as
    :func:`pair_sqdist`). Pairs with a bad row are +inf. Rows are grouped by batch element and
    broadcast against it in chunks of about :data:`BLOCK` elements (no gathering of pairs).
    """
    _, m, d = x3.shape
    out = np.empty((b.shape[0], m))
    step = max(1, BLOCK // (m * d))
    with np.errstate(over="ignore", invalid="ignore"):
        for bb in np.unique(b):
            sel = np.flatnonzero(b == bb)
            xb = x3[bb]
            for start in range(0, sel.shape[0], step):
                idx = sel[start : start + step]
                diff = xb[i[idx], None, :] - xb[None, :, :]
                out[idx] = rowsq(diff.reshape(-1, d)).reshape(idx.shape[0], m)
            if bad[bb].any():
                out[sel] = np.where(bad[bb][None, :] | bad[bb, i[sel]][:, None], np.inf, out[sel])
    return out


def pairwise_sqdist(x: np.ndarray) -> np.ndarray:
    """The direct distances D_ij for all pairs: ``x[..., m, d] -> [..., m, m]``.

    The reference every distance-based selection agrees with (see the module docstring):
    symmetric, exactly 0 on the diagonal, +inf for pairs with a bad row. Cost O(m²d)
    elementwise work in chunks (a few times slower than BLAS; the rules use
    :class:`GramBounds`).
    """
    *batch, m, d = x.shape
    nb = math.prod(batch)
    x3 = np.ascontiguousarray(x).reshape(nb, m, d)
    b, i = np.indices((nb, m)).reshape(2, -1)
    dist = rows_sqdist(x3, bad_rows(x3), b, i).reshape(nb, m, m)
    idx = np.arange(m)
    dist[:, idx, idx] = 0.0
    return dist.reshape(*batch, m, m)


class GramBounds:
    """Gram-matrix estimates of the direct distances D with a rigorous error bound.

    Rows are centred on their coordinate-wise median c (which a minority of Byzantine rows
    cannot drag away) and bad rows are zeroed: y_i = fl(x_i − c). With s_i = fl‖y_i‖² and
    G_ij = fl⟨y_i, y_j⟩ (one BLAS product per row block), the estimate is
    ``E_ij = max(s_i + s_j − 2 G_ij, 0)`` and

        |E_ij − D_ij| ≤ C (s_i + s_j) + A,    C = 2 (4d + 16) u,    A = (4d + 16)·2⁻¹⁰⁷⁰,

    u = 2⁻⁵³: the Gram sums (≤ (2d + 3)u), the centring (≤ 4u) and D's own rounding
    (≤ (2d + 4)u), each relative to ‖y_i‖² + ‖y_j‖², with a safety factor 2; A covers underflow.
    Since ‖y_j‖² ≤ 2‖y_i‖² + 2‖y_i − y_j‖², the same error is also at most
    ``C' (3 s_i + 2 E_ij) + A`` with C' = C/(1 − 2C): a bound that grows with E itself, which
    Krum's score bound needs. Estimates above 2¹⁰⁰⁰ get an infinite upper bound (D may overflow).
    Attributes: ``x3[nb, m, d]`` (x with the batch flattened), ``bad[nb, m]``, ``y``, ``s``.
    """

    def __init__(self, x: np.ndarray) -> None:
        from ._orderstats import rank_range_sum

        *batch, m, d = x.shape
        self.shape = (*batch, m, d)
        self.x3 = np.ascontiguousarray(x).reshape(math.prod(batch), m, d)
        self.bad = bad_rows(self.x3)
        lo, hi = (m - 1) // 2, m // 2 + 1
        with np.errstate(invalid="ignore", over="ignore"):
            centre = rank_range_sum(self.x3, lo, hi) / (hi - lo)
            centre = np.where(np.isfinite(centre), centre, 0.0)
            y = self.x3 - centre[:, None, :]
        if self.bad.any():
            y[self.bad] = 0.0
        self.y = y
        with np.errstate(over="ignore", invalid="ignore"):
            self.s = np.einsum("bij,bij->bi", y, y)
        self.coef = 2.0 * (4 * d + 16) * _U
        self.coef2 = self.coef / (1.0 - 2.0 * self.coef)
        self.atol = (4 * d + 16) * 2.0**-1070

    def block(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and error bounds for the rows ``rows`` against all rows: two
        ``[nb, B, m]`` arrays (+inf estimate and 0 error for pairs with a bad row; the diagonal
        is left as computed, callers overwrite it)."""
        s = self.s
        with np.errstate(over="ignore", invalid="ignore"):
            gram = np.matmul(self.y[:, rows, :], np.swapaxes(self.y, -1, -2))
            ssum = s[:, rows, None] + s[:, None, :]
            est = ssum - 2.0 * gram
            np.maximum(est, 0.0, out=est)  # NaN (inf − inf) stays NaN: see interval()
            err = ssum * self.coef
            err += self.atol
        pair_bad = self.bad[:, rows, None] | self.bad[:, None, :]
        if pair_bad.any():
            est[pair_bad] = np.inf
            err[pair_bad] = 0.0
        return est, err


def interval(est: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi) = (est − err, est + err)`` with NaN-free bounds: hi = +inf above 2¹⁰⁰⁰ (an
    overflow may hide there) and lo = 0 where est − err is NaN (e.g. inf − inf)."""
    with np.errstate(invalid="ignore", over="ignore"):
        lo = est - err
        hi = est + err
    lo[np.isnan(lo)] = 0.0
    hi[~(hi <= _HUGE) & (err > 0)] = np.inf
    hi[np.isnan(hi)] = np.inf
    return lo, hi


def select_smallest(
    lo: np.ndarray,
    hi: np.ndarray,
    k: int,
    exact: Callable[[np.ndarray, np.ndarray], np.ndarray],
    exact_rows: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Per row of ``[N, n]``, the k entries with the smallest (value, column) — ties: lower
    column — when only bounds ``lo ≤ value ≤ hi`` are known: ``-> bool [N, n]``.

    With T_lo, T_hi the k-th smallest lo and hi of a row, an entry with hi < T_lo is surely
    kept (its value is below the k-th smallest) and one with lo > T_hi surely dropped; the
    others are *undecided*. When a row has exactly as many undecided entries as free places they
    are all kept; otherwise ``exact(rows, cols)`` returns their values (finite or +inf, no NaN)
    and the free places go to the smallest (value, column) among them. When the undecided
    entries are dense (more than a quarter of their rows, e.g. when everything ties) and
    ``exact_rows(rows) -> [len(rows), n]`` is given, whole rows are recomputed instead and
    ordered by a stable sort. At most k − 1 entries are surely kept and at most n − k surely
    dropped, so the result has k entries. Cost O(Nn) plus the undecided entries (usually a few
    per row; all of them when every value ties).
    """
    n = lo.shape[-1]
    if k >= n:
        return np.ones(lo.shape, dtype=bool)
    t_lo = np.partition(lo, k - 1, axis=-1)[:, k - 1 : k]
    t_hi = np.partition(hi, k - 1, axis=-1)[:, k - 1 : k]
    keep = hi < t_lo
    open_ = ~keep & (lo <= t_hi)
    need = k - np.count_nonzero(keep, axis=-1)
    settled = np.count_nonzero(open_, axis=-1) == need  # every undecided entry is kept
    keep |= open_ & settled[:, None]
    open_[settled] = False
    r, c = np.nonzero(open_)
    if not r.shape[0]:
        return keep
    rows = r[np.r_[True, r[1:] != r[:-1]]]
    if exact_rows is not None and 4 * r.shape[0] > rows.shape[0] * n:
        value = np.where(keep[rows], -np.inf, np.where(open_[rows], exact_rows(rows), np.inf))
        first = np.argsort(value, axis=-1, kind="stable")[:, :k]
        sub = np.zeros(value.shape, dtype=bool)
        np.put_along_axis(sub, first, True, axis=-1)
        keep[rows] = sub
        return keep
    value = exact(r, c)
    order = np.lexsort((c, value, r))
    r, c = r[order], c[order]
    rank = np.arange(r.shape[0]) - np.searchsorted(r, r, side="left")
    take = rank < need[r]
    keep[r[take], c[take]] = True
    return keep


def select_mean(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Mean of the rows ``keep[..., k]`` (indices) of ``x[..., m, d]`` -> ``[..., d]``.

    Gathers only the kept rows, so rows that are not kept (possibly non-finite) never enter
    the arithmetic. Rows are summed in the order given by ``keep``.
    """
    rows = np.take_along_axis(x, keep[..., :, None], axis=-2)
    return rows.mean(axis=-2)
