"""Bulyan (El Mhamdi, Guerraoui & Rouault 2018; docs/theory.md §2): a Krum-based selection of
m − 2f rows, then a coordinate-wise mean around the median of the selected rows."""

from __future__ import annotations

import math

import numpy as np

from ._common import as_workers, check_f, pairwise_sqdist
from .meamed import nearest_to_median_mean

#: Valid values of ``bulyan(selector=...)``: the rule that picks one row at a time.
SELECTORS = ("krum",)


def bulyan_order(x: np.ndarray, *, f: int, selector: str = "krum") -> np.ndarray:
    r"""Bulyan's selection phase: the θ = m − 2f selected rows in the order they are picked,
    ``x[..., m, d] -> int [..., θ]``. Needs m ≥ 4f + 3.

    Starting from R = all rows, θ times: pick the row of R with the lowest Krum score computed
    *on R with the same f* — the sum of the squared distances to its n_R nearest other rows of
    R, n_R = max(#R − f − 2, 1), sorted ascending and summed — the lowest index on ties, and
    remove it from R. While #R ≥ f + 3, n_R is Krum's own count #R − f − 2 (the first pick is
    exactly :func:`~.krum.krum`'s choice); Krum's count would reach 0 only for f ≤ 1 at the
    last picks, where it is floored at 1 (the row nearest to another one). Distances are the
    direct ones of ``_common`` (exact on dyadic-grid data; bad rows are +inf away, so while at
    most f rows are bad, every pick is a finite row). Cost O(m²d) for the distances plus
    O(θ m² log m) for the picks.
    """
    if selector not in SELECTORS:
        raise ValueError(f"selector must be one of {', '.join(SELECTORS)}; got {selector!r}")
    x = as_workers(x)
    *batch, m, _ = x.shape
    f = check_f(f, m, name="bulyan", min_m=4 * f + 3)
    theta = m - 2 * f
    nb = math.prod(batch)
    dist = pairwise_sqdist(x).reshape(nb, m, m)
    diag = np.arange(m)
    dist[:, diag, diag] = np.inf  # a row is not its own neighbour
    removed = np.zeros((nb, m), dtype=bool)
    picks = np.empty((nb, theta), dtype=np.intp)
    rows = np.arange(nb)
    for t in range(theta):
        n = max(m - t - f - 2, 1)
        near = np.sort(np.partition(dist, n - 1, axis=-1)[..., :n], axis=-1)
        scores = near.sum(axis=-1)
        pick = np.lexsort((scores, removed), axis=-1)[:, 0]  # remaining, lowest (score, index)
        picks[:, t] = pick
        removed[rows, pick] = True
        dist[rows, :, pick] = np.inf  # the picked row is no longer anyone's neighbour
    return picks.reshape(*batch, theta)


def bulyan(x: np.ndarray, *, f: int, selector: str = "krum") -> np.ndarray:
    r"""Bulyan (El Mhamdi, Guerraoui & Rouault 2018) with Krum as the selection rule.

    1. Selection: θ = m − 2f rows picked one at a time by Krum on the remaining rows with the
       same f (:func:`bulyan_order`; the lowest index on ties);
    2. per coordinate, over the θ selected rows (in increasing worker index): the mean of the
       β = θ − 2f values nearest to their coordinate median (the midpoint of the two middle
       values when θ is even), ties at the cut to the lower worker index, distances compared
       exactly (:func:`~.meamed.nearest_to_median_mean`).

    ``x[..., m, d] -> [..., d]``; needs m ≥ 4f + 3. ``selector`` names the selection rule
    (only ``"krum"`` so far). Robust to f bad rows (never selected), translation equivariant up
    to rounding; κ: none declared.
    """
    order = bulyan_order(x, f=f, selector=selector)
    x = as_workers(x)
    chosen = np.sort(order, axis=-1)
    sel = np.take_along_axis(x, chosen[..., :, None], axis=-2)
    return nearest_to_median_mean(sel, order.shape[-1] - 2 * int(f))
