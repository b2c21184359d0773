"""Cost measured in units of a reference pass, so that machine load cancels (docs/theory.md §5,
claim C1; docs/architecture.md §5: performance figures are ratios measured in one process).

Three precautions make a ratio independent of what else runs on the machine:

1. **CPU time of this thread** (``time.thread_time``), not wall time: while the scheduler runs
   another process, this thread's clock stands still.
2. **One BLAS thread** (``threadpoolctl``) while timing: a multi-threaded product waits for its
   slowest thread, which a busy core delays; one thread also makes the thread clock complete.
3. **Interleaving and minima**: the reference pass (``x.mean(axis=-2)`` on the same array) and
   the rule are timed alternately (ABBA order) and each keeps its minimum over repeats, the
   run least disturbed by cache and frequency changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

CLOCK = "thread CPU time (time.thread_time_ns), one BLAS thread"


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS/OpenMP pools to one thread inside the block."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _time(fn: Callable[[], object], inner: int) -> float:
    t0 = time.thread_time_ns()
    for _ in range(inner):
        fn()
    return (time.thread_time_ns() - t0) / inner * 1e-9


class Interleaved(NamedTuple):
    """Per-repeat times (seconds) of a rule and of the reference pass, timed alternately."""

    rule: np.ndarray  # [repeats]
    reference: np.ndarray  # [repeats]

    @property
    def ratio(self) -> float:
        """min over repeats of the rule / min over repeats of the reference."""
        return float(self.rule.min() / self.reference.min())

    def in_units(self) -> np.ndarray:
        """Each repeat of the rule in units of the reference's minimum: ``[repeats]``."""
        return self.rule / self.reference.min()


def interleaved(
    fn: Callable[[], object],
    reference: Callable[[], object],
    repeats: int,
    *,
    min_seconds: float = 2e-4,
) -> Interleaved:
    """Time ``fn`` and ``reference`` alternately (ABBA) ``repeats`` times each, after one
    warm-up call each, on this thread's CPU clock with one BLAS thread. A call shorter than
    ``min_seconds`` is repeated in a loop so the clock's granularity does not matter."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1; got {repeats!r}")
    with one_blas_thread():
        fn()
        reference()
        inner_f = max(1, int(min_seconds / max(_time(fn, 1), 1e-9)))
        inner_r = max(1, int(min_seconds / max(_time(reference, 1), 1e-9)))
        rule, ref = np.empty(repeats), np.empty(repeats)
        for i in range(repeats):
            if i % 2 == 0:
                ref[i] = _time(reference, inner_r)
                rule[i] = _time(fn, inner_f)
            else:
                rule[i] = _time(fn, inner_f)
                ref[i] = _time(reference, inner_r)
    return Interleaved(rule, ref)


def cost_in_means(fn: Callable[[np.ndarray], object], x: np.ndarray, repeats: int) -> Interleaved:
    """``fn(x)`` against the reference pass ``x.mean(axis=-2)`` on the same array."""
    return interleaved(lambda: fn(x), lambda: x.mean(axis=-2), repeats)
