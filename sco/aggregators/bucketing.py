"""Bucketing (Karimireddy, He & Jaggi 2022; docs/theory.md §2)."""

from __future__ import annotations

import numpy as np

from ._common import as_workers, check_f
from .registry import AggregatorLike, resolve


def default_bucket_size(m: int, f: int) -> int:
    """s = max(1, ⌊(m − 1)/(2f)⌋): contaminated buckets stay strictly below half (s = 1 if f = 0).

    The authors' code uses ⌊m/(2f)⌋, which can reach exactly half; this toolkit does not.
    """
    return 1 if f == 0 else max(1, (m - 1) // (2 * f))


def bucketing(
    x: np.ndarray,
    *,
    f: int,
    base: AggregatorLike,
    s: int | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Shuffle the m rows with ``rng``, average consecutive buckets of s rows (the last bucket
    may be smaller), then apply the base rule to the ⌈m/s⌉ bucket means with the same f.

    ``x[..., m, d] -> [..., d]``. Each batch element gets its own permutation, drawn as the
    stable argsort of ``rng.random((..., m))``, so ``x[None]`` and ``x`` with equal generators
    agree exactly. Randomised: ``rng`` is required.
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="bucketing")
    if s is None:
        s = default_bucket_size(m, f)
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 1 <= s <= m:
        raise ValueError(f"s must be an integer with 1 <= s <= m = {m}; got {s!r}")
    if rng is None or not hasattr(rng, "random"):
        raise ValueError("bucketing is randomised: pass rng=np.random.Generator")
    perm = np.argsort(rng.random((*x.shape[:-2], m)), axis=-1, kind="stable")
    shuffled = np.take_along_axis(x, perm[..., :, None], axis=-2)
    full, rest = divmod(m, s)
    means = (
        shuffled[..., : full * s, :].reshape((*x.shape[:-2], full, s, x.shape[-1])).mean(axis=-2)
    )
    if rest:
        tail = shuffled[..., full * s :, :].mean(axis=-2, keepdims=True)
        means = np.concatenate([means, tail], axis=-2)
    return resolve(base)(means, f=f, rng=rng)
