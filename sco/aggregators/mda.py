"""Minimum-diameter averaging, MDA (El Mhamdi, Guerraoui & Rouault 2018; docs/theory.md §2)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ._common import BLOCK, as_workers, check_f, pairwise_sqdist, select_mean

#: The largest number of subsets C(m, f) that :func:`mda` enumerates; larger inputs are refused.
MAX_SUBSETS = 100_000


def mda_selection(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""The kept set of MDA: ``x[..., m, d] -> bool [..., m]`` with m − f True per row.

    Among all subsets of m − f rows, the one with the smallest diameter (the largest squared
    distance between two of its rows); ties: the lexicographically first subset of indices (as
    sorted tuples). Distances are the direct ones of ``_common`` (D_ij = fl Σ_k (x_ik − x_jk)²,
    exact for data on a common dyadic grid, blind to a common offset), so the comparisons are
    those of D exactly, with no tolerance; pairs with a bad row are +inf. Needs m > 2f and
    C(m, f) ≤ :data:`MAX_SUBSETS`.

    The diameter of a subset is the first pair, in decreasing order of D, whose two rows are both
    kept; dropping f rows removes at most f(m − f) + f(f − 1)/2 pairs, so only that many pairs
    (plus one) are ever scanned. Cost O(m²d) for D plus O(C(m, f)·f·m) for the scan.
    """
    x = as_workers(x)
    *batch, m, _ = x.shape
    f = check_f(f, m, name="mda")
    n_sub = math.comb(m, f)
    if n_sub > MAX_SUBSETS:
        raise ValueError(
            f"mda enumerates C(m, f) subsets and needs C(m, f) <= {MAX_SUBSETS};"
            f" got C({m}, {f}) = {n_sub} (m = {m}, f = {f})"
        )
    nb = math.prod(batch)
    keep = np.ones((nb, m), dtype=bool)
    k = m - f
    if f == 0 or k == 1:  # one subset, or every subset has diameter 0: the first one
        keep[:, k:] = False
        return keep.reshape(*batch, m)
    dist = pairwise_sqdist(x).reshape(nb, m, m)
    iu, ju = np.triu_indices(m, 1)
    pair_d = dist[:, iu, ju]  # [nb, P]
    n_scan = min(iu.shape[0], f * (m - f) + f * (f - 1) // 2 + 1)
    order = np.argsort(-pair_d, axis=-1, kind="stable")[:, :n_scan]
    pi, pj = iu[order], ju[order]  # [nb, n_scan], decreasing D
    top = np.take_along_axis(pair_d, order, axis=-1)
    # dropped sets in reverse lexicographic order = kept sets in lexicographic order
    dropped = np.array(list(itertools.combinations(range(m), f))[::-1], dtype=np.intp)
    best_d = np.full(nb, np.inf)
    best_c = np.full(nb, -1)
    step = max(1, BLOCK // max(1, nb * n_scan))
    rows = np.arange(nb)[:, None]
    for start in range(0, n_sub, step):
        mask = np.zeros((min(step, n_sub - start), m), dtype=bool)
        np.put_along_axis(mask, dropped[start : start + step], True, axis=-1)
        hit = mask[:, pi] | mask[:, pj]  # [c, nb, n_scan]: the pair touches a dropped row
        first = np.argmax(~hit, axis=-1)  # the largest pair with both rows kept
        diam = top[rows, first.T]  # [nb, c]
        c = np.argmin(diam, axis=-1)  # first occurrence: the lexicographically first kept set
        dc = diam[np.arange(nb), c]
        better = (dc < best_d) | (best_c < 0)
        best_d = np.where(better, dc, best_d)
        best_c = np.where(better, start + c, best_c)
    keep[rows, dropped[best_c]] = False
    return keep.reshape(*batch, m)


def mda(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""Minimum-diameter averaging (El Mhamdi, Guerraoui & Rouault 2018).

    The mean of the m − f rows forming the subset of smallest diameter (max pairwise Euclidean
    distance); ties: the lexicographically first index subset. See :func:`mda_selection` for the
    exact comparisons and the cost. ``x[..., m, d] -> [..., d]``; needs m > 2f and refuses
    (``ValueError``) inputs with C(m, f) > :data:`MAX_SUBSETS` subsets. Bad rows are infinitely
    far: with at most f of them, a subset without them has a finite diameter and wins. The kept
    rows are averaged in index order. Translation equivariant up to rounding; κ: none declared.
    """
    keep = mda_selection(x, f=f)
    x = as_workers(x)
    n_keep = x.shape[-2] - int(f)
    return select_mean(x, np.argsort(~keep, axis=-1, kind="stable")[..., :n_keep])
