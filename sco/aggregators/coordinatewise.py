"""Coordinate-wise rules: trimmed mean (CWTM) and median (CWMed) (docs/theory.md §2).

Both are computed per coordinate from order statistics over the worker axis by
:func:`sco.aggregators._orderstats.rank_range_sum` (a compiled selection kernel, with a numpy
fallback). A NaN entry is treated as +inf and is trimmed like any extreme value.
"""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f
from ._orderstats import rank_range_sum


def cwtm(x: np.ndarray, *, f: int) -> np.ndarray:
    r"""Coordinate-wise trimmed mean: per coordinate, sort the m values, drop the f smallest and
    the f largest, average the remaining m − 2f.

    ``x[..., m, d] -> [..., d]``; needs m > 2f. Ties are harmless (the kept multiset of values
    is unique). (f, κ)-robust with κ = 6q(1 + q), q = f/(m − 2f) (Allouah et al. 2023, Table 1).
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="cwtm")
    return rank_range_sum(x, f, m - f) / (m - 2 * f)


def cwmed(x: np.ndarray, *, f: int = 0) -> np.ndarray:
    r"""Coordinate-wise median (the average of the two middle values when m is even).

    ``x[..., m, d] -> [..., d]``; f is validated (m > 2f), otherwise unused.
    (f, κ)-robust with κ = 4(1 + q)², q = f/(m − 2f) (Allouah et al. 2023, Table 1).
    """
    x = as_workers(x)
    m = x.shape[-2]
    check_f(f, m, name="cwmed")
    lo, hi = (m - 1) // 2, m // 2 + 1
    return rank_range_sum(x, lo, hi) / (hi - lo)
