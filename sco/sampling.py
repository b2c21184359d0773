"""Per-seed sample streams for ``sco.simulate``, drawn in blocks of steps."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class Samples(Protocol):
    """Anything with ``sample(rng, shape)`` (a :class:`sco.Problem`, :class:`PerWorkerSamples`)."""

    def sample(self, rng: np.random.Generator, shape: Any = ()) -> np.ndarray: ...


#: Bytes of one seed's block of samples that the block length K aims at.
BLOCK_BYTES = 1 << 18
#: Largest block length K (steps per draw).
MAX_BLOCK = 64


def block_length(step_bytes: int) -> int:
    """K = clip(⌊BLOCK_BYTES / step_bytes⌋, 1, MAX_BLOCK) for one step's samples of one seed.

    A function of the size of one step's samples only: never of the number of seeds or of T.
    256 KiB per seed and block keeps the per-call overhead of ``problem.sample`` (tens of µs)
    small against the draw and wastes at most K − 1 steps of draws after step T (e.g. least
    squares with d = 100 and 13 honest workers: 10.5 KB per step, K = 24, 408 steps drawn for
    T = 400).
    """
    return int(np.clip(BLOCK_BYTES // max(int(step_bytes), 1), 1, MAX_BLOCK))


class BlockSampler:
    """Per-step samples ``[S, count, ...]`` drawn per seed in blocks of K steps.

    Every K steps, seed s's generator draws one block ``problem.sample(g_s, (K, count))``
    (``[K, count, ...]``) and the S blocks are stacked into ``[S, K, count, ...]``; step i of
    the block returns the view ``[:, i]``. One call per seed and block replaces K per-step calls.
    A problem with ``sample_into(g, out)`` (e.g. ``problems.LeastSquares``; the same bits as
    ``sample(g, out.shape[:-1])``, written into ``out``) fills its slice ``[s]`` of the new
    ``[S, K, count, ...]`` array directly, without the copy of stacking.

    Why a seed's samples do not depend on the batch: K comes from :func:`block_length` of one
    step's sample size (never from S), so seed s's generator always receives the same calls
    ``sample(g_s, (K, count))``, with the same shape, in the same order, alone or beside any
    other seeds. The result of such a call depends only on the generator's stream and on the
    shape, even when ``problem.sample`` uses BLAS (``LeastSquares`` draws its design with one
    triangular ``[d + 1, d + 1] @ [d + 1, K·count]`` product, whose rounding could change with
    the number of rows but not with anything else). The values equal per-step draws
    ``sample(g_s, (count,))`` in distribution and consume the same random numbers, but may differ
    from them by rounding (see :class:`sco.Problem`). Each block is a new array, so views
    returned earlier stay valid.
    """

    def __init__(self, problem: Samples, generators: list[np.random.Generator], count: int) -> None:
        self.problem, self.generators, self.count = problem, generators, count
        probe = problem.sample(np.random.default_rng(0), (count,))
        self.block = block_length(probe.nbytes)
        self.fill = getattr(problem, "sample_into", None)
        self.shape, self.dtype = (len(generators), self.block, count, *probe.shape[1:]), probe.dtype
        self.buffer: np.ndarray | None = None
        self.i = self.block

    def __call__(self) -> np.ndarray:
        if self.i == self.block:
            if self.fill is not None:
                self.buffer = np.empty(self.shape, dtype=self.dtype)
                for g, out in zip(self.generators, self.buffer, strict=True):
                    self.fill(g, out)
            else:
                shape = (self.block, self.count)
                self.buffer = np.stack([self.problem.sample(g, shape) for g in self.generators])
            self.i = 0
        assert self.buffer is not None
        out = self.buffer[:, self.i]
        self.i += 1
        return out


class PerWorkerSamples:
    """Adapts a :class:`sco.problem.WorkerProblem` to :class:`BlockSampler`: ``sample(rng,
    (..., h))`` is ``problem.sample_workers(rng, (...))``, worker i's samples ``[..., h, ...]``
    from its own objective. The count must be the problem's h (checked by ``sco.simulate``)."""

    def __init__(self, problem: object) -> None:
        self.problem = problem

    def sample(self, rng: np.random.Generator, shape: Any = ()) -> np.ndarray:
        *lead, count = shape
        out = np.asarray(self.problem.sample_workers(rng, tuple(lead)))  # type: ignore[attr-defined]
        if out.shape[len(lead)] != count:
            raise ValueError(
                f"sample_workers returned {out.shape[len(lead)]} workers; simulate needs {count}"
            )
        return out
