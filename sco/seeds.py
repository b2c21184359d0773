"""Per-seed random streams (docs/theory.md §5 "Statistics"; docs/architecture.md §2,
``sco.simulate``).

Seed index k of a run with root entropy ``rng`` draws from ``SeedSequence(rng, spawn_key=(k,))``,
spawned once more per role (honest sampling, Byzantine sampling, attack, aggregator), each child
seeding an ``SFC64`` bit generator (``np.random.Generator(np.random.SFC64(child))``: its normals
are ~20 % cheaper than PCG64's, and the normal draws are most of a run's per-seed cost; before
this release the streams were PCG64, so the same ``rng`` now gives other, equally distributed
trajectories). Nothing a seed draws depends on which other seeds run beside it, so seed k is
bit-identical alone or in a batch. :class:`SeedStack` lets vectorised code draw ``[S, ...]``
arrays whose row k comes from seed k's stream.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

ROLES = ("honest", "byzantine", "attack", "aggregator")


def root_entropy(rng: Any) -> tuple[int | Sequence[int], tuple[int, ...]]:
    """(entropy, spawn-key prefix) from anything ``np.random.default_rng`` accepts.

    An int (or int sequence) is the entropy itself; a SeedSequence contributes its entropy and
    spawn key; a Generator or BitGenerator contributes its seed sequence when it has one, else
    one 63-bit draw from it (which advances it); ``None`` draws fresh entropy from the OS; the
    dict ``{"entropy": ..., "spawn_key": [...]}`` (what :func:`resolve_entropy` records) is
    taken as is.
    """
    if rng is None:
        return np.random.SeedSequence().entropy, ()  # type: ignore[return-value]
    if isinstance(rng, dict) and set(rng) == {"entropy", "spawn_key"}:
        return rng["entropy"], tuple(int(k) for k in rng["spawn_key"])
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if int(rng) < 0:
            raise ValueError(f"rng must be a non-negative integer seed; got {rng!r}")
        return int(rng), ()
    if isinstance(rng, np.random.SeedSequence):
        return rng.entropy, tuple(rng.spawn_key)  # type: ignore[return-value]
    if isinstance(rng, np.random.Generator):
        rng = rng.bit_generator
    if isinstance(rng, np.random.BitGenerator):
        seq = rng.seed_seq
        if isinstance(seq, np.random.SeedSequence):
            return seq.entropy, tuple(seq.spawn_key)  # type: ignore[return-value]
        return int(np.random.Generator(rng).integers(2**63)), ()
    if isinstance(rng, Sequence) and all(isinstance(v, numbers.Integral) for v in rng):
        return [int(v) for v in rng], ()
    raise ValueError(
        f"rng must be anything np.random.default_rng accepts (an int >= 0, a sequence of them, a "
        f"SeedSequence, a BitGenerator, a Generator or None); got {rng!r}"
    )


def resolve_entropy(rng: Any) -> int | list[int] | dict[str, Any]:
    """The root entropy of ``rng`` in a plain, JSON-able form that :func:`root_entropy`
    accepts again: the int (or int list) itself when there is no spawn key, else
    ``{"entropy": ..., "spawn_key": [...]}``. Drawing from a generator without a seed sequence
    (or fresh OS entropy for ``None``) happens once, here, so the recorded value reruns the
    same streams."""
    entropy, prefix = root_entropy(rng)
    plain: int | list[int]
    if isinstance(entropy, numbers.Integral):
        plain = int(entropy)
    else:
        plain = [int(v) for v in entropy]  # type: ignore[union-attr]
    if not prefix:
        return plain
    return {"entropy": plain, "spawn_key": list(prefix)}


def seed_generators(rng: Any, seeds: Sequence[int]) -> dict[str, list[np.random.Generator]]:
    """For each role of :data:`ROLES`, one Generator (SFC64) per seed index (in the order
    given)."""
    entropy, prefix = root_entropy(rng)
    out: dict[str, list[np.random.Generator]] = {role: [] for role in ROLES}
    for k in seeds:
        children = np.random.SeedSequence(entropy, spawn_key=(*prefix, int(k))).spawn(len(ROLES))
        for role, child in zip(ROLES, children, strict=True):
            out[role].append(np.random.Generator(np.random.SFC64(child)))
    return out


def as_generator(rng: Any) -> Any:
    """``rng`` itself when it already draws (a Generator, or a :class:`SeedStack`), else
    ``np.random.default_rng(rng)`` (an int, a sequence of ints, a SeedSequence or a
    BitGenerator). Public functions that take ``rng`` call this first, so a Generator passed in
    keeps advancing and everything ``default_rng`` accepts works."""
    if callable(getattr(rng, "random", None)):
        return rng  # a Generator or a look-alike (SeedStack)
    if rng is None:
        raise ValueError(
            "rng must be given: an int seed, a SeedSequence, a BitGenerator or a Generator"
        )
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"rng must be anything np.random.default_rng accepts; got {rng!r} ({err})"
        ) from None


class SeedStack:
    """A Generator look-alike over a stack of per-seed generators: every draw of shape
    ``(S, *rest)`` takes row k from generator k. Supports the methods the toolkit's attacks and
    aggregators use (``random``, ``standard_normal``, ``integers``, ``normal``)."""

    def __init__(self, generators: Sequence[np.random.Generator]) -> None:
        self.generators = list(generators)

    def _draw(self, method: str, size: Any, *args: Any) -> np.ndarray:
        shape = (size,) if isinstance(size, numbers.Integral) else tuple(size or ())
        if not shape or shape[0] != len(self.generators):
            raise ValueError(
                f"SeedStack draws need a leading seed axis of {len(self.generators)}; got {shape}"
            )
        return np.stack([getattr(g, method)(*args, size=shape[1:]) for g in self.generators])

    def random(self, size: Any = None) -> np.ndarray:
        return self._draw("random", size)

    def standard_normal(self, size: Any = None) -> np.ndarray:
        return self._draw("standard_normal", size)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None) -> np.ndarray:
        return self._draw("normal", size, loc, scale)

    def integers(self, low: int, high: int | None = None, size: Any = None) -> np.ndarray:
        return self._draw("integers", size, low, high)
