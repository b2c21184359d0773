"""Per-seed sample streams for ``sco.simulate``, drawn in blocks of steps."""

from __future__ import annotations

import numpy as np

from .problem import Problem


class BlockSampler:
    """Per-step samples ``[S, count, ...]`` drawn per seed in blocks of K steps.

    One ``problem.sample(g, (K, count))`` call per seed every K steps replaces K calls; since
    samples are block consistent (see :class:`sco.Problem`), the values equal per-step draws.
    K depends only on the size of one step's samples (about 1 MB per seed and block), never on
    the number of seeds, so a seed's stream is the same alone or in a batch.
    """

    def __init__(self, problem: Problem, generators: list[np.random.Generator], count: int) -> None:
        self.problem, self.generators, self.count = problem, generators, count
        probe = problem.sample(np.random.default_rng(0), (count,))
        self.block = int(np.clip((1 << 20) // max(probe.nbytes, 1), 1, 64))
        self.buffer: np.ndarray | None = None
        self.i = self.block

    def __call__(self) -> np.ndarray:
        if self.i == self.block:
            shape = (self.block, self.count)
            self.buffer = np.stack([self.problem.sample(g, shape) for g in self.generators])
            self.i = 0
        assert self.buffer is not None
        out = self.buffer[:, self.i]
        self.i += 1
        return out
