"""The plain mean: the non-robust baseline (and what every robust rule is measured against)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f


def mean(x: np.ndarray, *, f: int = 0) -> np.ndarray:
    """Average of the m rows: ``x[..., m, d] -> [..., d]``.

    Not robust: one Byzantine row moves it arbitrarily far, and a NaN/Inf row makes it
    non-finite (``sco.simulate`` then flags the seed as diverged). ``f`` is validated, unused.
    """
    x = as_workers(x)
    check_f(f, x.shape[-2], name="mean", min_m=1)
    return np.asarray(x.mean(axis=-2))
