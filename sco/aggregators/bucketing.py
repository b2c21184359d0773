"""Bucketing (Karimireddy, He & Jaggi 2022; docs/theory.md §2)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..seeds import as_generator
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
    rng: Any = None,
) -> np.ndarray:
    r"""Shuffle the m rows with ``rng``, average consecutive buckets of s rows (the last bucket
    may be smaller), then apply the base rule to the ⌈m/s⌉ bucket means with the same f.

    ``x[..., m, d] -> [..., d]``. Each batch element gets its own permutation, drawn as the
    stable argsort of ``rng.random((..., m))`` (ties between equal draws: lower index first), so
    ``x[None]`` and ``x`` with equal generators agree exactly. Randomised: ``rng`` is required
    and may be anything ``np.random.default_rng`` accepts except None (an int seed, a
    SeedSequence, a BitGenerator) or a Generator, or any object with a Generator-like
    ``random(size)`` method (e.g. :class:`sco.seeds.SeedStack`). A Generator (or look-alike) is
    used as is, so its stream advances; anything else seeds a fresh Generator. The base rule gets
    the same stream. Ties inside the base follow the base's own rule on the bucket means.
    """
    x = as_workers(x)
    m = x.shape[-2]
    f = check_f(f, m, name="bucketing")
    if s is None:
        s = default_bucket_size(m, f)
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 1 <= s <= m:
        raise ValueError(f"s must be an integer with 1 <= s <= m = {m}; got {s!r}")
    rng = _as_generator(rng)
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


def _as_generator(rng: Any) -> Any:
    """A Generator (or a look-alike with ``random``) from what :func:`bucketing` accepts: what
    :func:`sco.seeds.as_generator` accepts, with the randomised rule's own message for None."""
    if rng is None:
        raise ValueError(
            "bucketing is randomised: pass rng= (an int seed, a SeedSequence, a BitGenerator or a"
            " Generator); got None"
        )
    if isinstance(rng, bool):
        raise ValueError(f"rng must be anything np.random.default_rng accepts; got {rng!r}")
    return as_generator(rng)
