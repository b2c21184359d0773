"""What one ``sco.simulate`` run costs, what 32 seeds cost against one, and where the time goes
(docs/architecture.md §5: every figure is a ratio measured in one process).

Run: ``python benchmarks/simulate.py [--T 400] [--seeds 32] [--repeats 5]`` (about 40 s).

Configuration: least squares with d = 100 (``LeastSquares.random(100)``), m = 17 workers of which
f = 4 Byzantine, T = 400 steps, ``ctma(cwtm)`` under ALIE, μ²-SGD.

Variants, run side by side in this process:

- **before**: verbatim copies (below) of ``LeastSquares.sample`` / ``LeastSquares.stoch_grad``
  and of ``sco.sampling.BlockSampler`` as they were at commit d0c0183 (drawing from that
  code's PCG64 streams, rebuilt from the same seed sequences), when the design
  a ~ N(0, Σ) was drawn with ``np.einsum`` (numpy's own O(d²) loop, no BLAS) so that a seed's
  rows could not depend on the batch, in blocks of up to 64 steps (~1 MB per seed);
- **after**: the code as it is now (SFC64 streams, one triangular BLAS product in place per
  block of ~256 KiB per seed, BLAS oracles row by row: ``problems._linalg``);

Everything else (aggregator, attack, estimator, the checkpoint metrics) is the current code in
all variants.

Clock for the run times: thread CPU time (``time.thread_time``) with one BLAS thread
(``verify.timing``); the variants and seed counts are interleaved and each keeps its minimum over
``--repeats`` runs.

It prints

- the time of one run at S = 1 and S = ``--seeds`` for each variant;
- the seed-scaling ratio t(S) / t(1) (target after: ≤ 4 at S = 32);
- the throughput ratio, seed·steps per second after / before at S seeds (target: ≥ 2);
- the breakdown of one run into oracle (``stoch_grad``), sampling (the block sampler, including
  ``problem.sample``), aggregation, attack, estimator (worker and server rules, including the
  projection), metrics (the checkpoint records) and the loop itself (what is left), as shares of
  the run, measured by timing proxies handed to ``sco.simulate`` in place of the problem, the
  aggregator, the attack and the estimator, and by timing the sampler and the recorder of
  ``sco.simulate``'s module (wall clock: see :class:`Clock`);
- the irreducible part of sampling: the normal draws themselves (the random stream, which no
  implementation can skip) and the design product (one BLAS ``gemm`` per block).
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy.linalg.blas import dtrmm

import problems
import sco
from verify.timing import one_blas_thread

SIM = importlib.import_module("sco.simulate")  # the module (``sco.simulate`` is the function)
M, F, D = 17, 4, 100
AGGREGATOR, ATTACK, ESTIMATOR = "ctma(cwtm)", "alie", "mu2sgd"
PARTS = ("oracle", "sampling", "aggregation", "attack", "estimator", "metrics")


# ---------------------------------------------------------------------------------------------
# "before": verbatim copies of the code at commit d0c0183
# ---------------------------------------------------------------------------------------------


class LeastSquaresBefore(problems.LeastSquares):
    """``LeastSquares`` with ``sample`` and ``stoch_grad`` as they were at commit d0c0183."""

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Draw (a, b) pairs: ``[*shape, d + 1]``, a in ``[..., :d]`` and b in ``[..., d]``.

        Each pair uses d + 1 consecutive normals of the stream, so ``sample(rng, (K, n))``
        equals K consecutive calls ``sample(rng, (n,))`` (block consistency).
        """
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        z = rng.standard_normal((*shape, self.dim + 1))
        a = np.einsum("...i,ij->...j", z[..., :-1], self._root)
        b = np.einsum("...i,i->...", a, self.x_star) + self.noise * z[..., -1]
        return np.concatenate([a, b[..., None]], axis=-1)

    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """g(x; a, b) = a(aᵀx − b); ``x[..., d]`` and ``samples[..., d + 1]`` broadcast."""
        a, b = samples[..., :-1], samples[..., -1]
        resid = np.einsum("...i,...i->...", a, np.asarray(x, dtype=np.float64)) - b
        return a * resid[..., None]


class BlockSamplerBefore:
    """Per-step samples ``[S, count, ...]`` drawn per seed in blocks of K steps.

    One ``problem.sample(g, (K, count))`` call per seed every K steps replaces K calls; since
    samples are block consistent (see :class:`sco.Problem`), the values equal per-step draws.
    K depends only on the size of one step's samples (about 1 MB per seed and block), never on
    the number of seeds, so a seed's stream is the same alone or in a batch.
    """

    def __init__(self, problem: Any, generators: list[np.random.Generator], count: int) -> None:
        # not verbatim: the old code's PCG64 streams, rebuilt from the seed sequences of the
        # current SFC64 generators (sco.seeds), so "before" draws what it drew at d0c0183
        generators = [
            np.random.Generator(np.random.PCG64(g.bit_generator.seed_seq)) for g in generators
        ]
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


# ---------------------------------------------------------------------------------------------
# running and timing
# ---------------------------------------------------------------------------------------------


@contextmanager
def patched(**names: Any) -> Iterator[None]:
    """Replace globals of the ``sco.simulate`` module for the duration of the block."""
    old = {name: getattr(SIM, name) for name in names}
    for name, value in names.items():
        setattr(SIM, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(SIM, name, value)


def variant(name: str) -> tuple[problems.LeastSquares, type]:
    """The problem instance and the sampler class of ``"before"`` or ``"after"``."""
    if name == "before":
        return LeastSquaresBefore.random(D, rng=0), BlockSamplerBefore
    return problems.LeastSquares.random(D, rng=0), SIM.BlockSampler


def run(problem: Any, S: int, T: int, **kw: Any) -> None:
    kw = {"aggregator": AGGREGATOR, "attack": ATTACK, "estimator": ESTIMATOR, **kw}
    sco.simulate(problem, m=M, f=F, T=T, lr=1 / (8 * T), seeds=S, rng=0, **kw)


def plain_time(name: str, S: int, T: int) -> float:
    """Thread CPU seconds of one run of ``name`` at S seeds."""
    problem, sampler = variant(name)
    with patched(BlockSampler=sampler):
        t0 = time.thread_time()
        run(problem, S, T)
        return time.thread_time() - t0


class Clock:
    """Accumulates time per part; ``wrap(part, fn)`` times every call of ``fn``.

    Wall time (``perf_counter``, ~60 ns a reading) rather than the thread clock, whose reading
    is a system call of ~1 µs: with thousands of timed calls per run it would distort the run it
    measures. ``profile`` keeps each part's minimum over repeats, the least disturbed run.
    """

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)

    def wrap(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        seconds = self.seconds

        def timed(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                seconds[part] += time.perf_counter() - t0

        return timed


class TimedProblem:
    """Forwards every member to ``problem``; times ``stoch_grad`` as the oracle."""

    def __init__(self, problem: Any, clock: Clock) -> None:
        self._p = problem
        self.stoch_grad = clock.wrap("oracle", problem.stoch_grad)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._p, name)


class TimedAttack:
    """The attack object ``sco.simulate`` calls, timed."""

    def __init__(self, attack: Any, clock: Clock) -> None:
        self.spec = attack.spec
        self._call = clock.wrap("attack", attack)

    def __call__(self, honest: np.ndarray, **kw: Any) -> np.ndarray:
        result: np.ndarray = self._call(honest, **kw)
        return result


def timed_rule(rule: Any, clock: Clock) -> Any:
    """A worker or server rule (a NamedTuple of functions) with every function timed."""
    return rule._replace(
        **{k: clock.wrap("estimator", v) for k, v in rule._asdict().items() if callable(v)}
    )


def profile_once(name: str, S: int, T: int) -> dict[str, float]:
    """One run with timing proxies: seconds per part and the total (wall, one BLAS thread)."""
    problem, sampler_cls = variant(name)
    clock = Clock()
    agg = sco.aggregators.make(AGGREGATOR)
    timed_agg = clock.wrap("aggregation", agg)

    def aggregator(x: np.ndarray, *, f: int) -> np.ndarray:
        result: np.ndarray = timed_agg(x, f=f)
        return result

    est = sco.estimators.make(ESTIMATOR)
    est = est._replace(worker=timed_rule(est.worker, clock), server=timed_rule(est.server, clock))

    def timed_sampler(*args: Any) -> Callable[[], np.ndarray]:
        """What ``sco.simulate`` builds as ``BlockSampler(...)``, construction and draws timed."""
        return clock.wrap("sampling", clock.wrap("sampling", sampler_cls)(*args))

    record = clock.wrap("metrics", SIM._record)
    with patched(BlockSampler=timed_sampler, _record=record):
        t0 = time.perf_counter()
        run(
            TimedProblem(problem, clock),
            S,
            T,
            aggregator=aggregator,
            attack=TimedAttack(sco.attacks.make(ATTACK), clock),
            estimator=est,
        )
        total = time.perf_counter() - t0
    return {**clock.seconds, "total": total}


def profile(name: str, S: int, T: int, repeats: int) -> dict[str, float]:
    """Each part's and the total's minimum over ``repeats`` proxied runs; ``loop`` is the
    total minus the parts (the loop of ``sco.simulate`` itself and the proxies' overhead)."""
    runs = [profile_once(name, S, T) for _ in range(repeats)]
    out = {k: min(r[k] for r in runs) for k in (*PARTS, "total")}
    out["loop"] = max(0.0, out["total"] - sum(out[k] for k in PARTS))
    return out


def floors(S: int, T: int, repeats: int) -> tuple[float, float]:
    """Thread CPU seconds of the two irreducible parts of sampling, for the blocks the after
    sampler draws (S seeds × ⌈T/K⌉ blocks of K steps): the normal draws (the random stream, SFC64
    as in ``sco.seeds``) and the design product, ``zᵀ ← M zᵀ`` with the lower-triangular
    ``[d + 1, d + 1]`` M in place on ``[d + 1, K(m − f)]`` (one BLAS ``trmm`` per block)."""
    problem = problems.LeastSquares.random(D, rng=0)
    h = M - F
    K = SIM.BlockSampler(problem, [np.random.default_rng(0)], h).block
    blocks = S * -(-T // K)
    gen = np.random.Generator(np.random.SFC64(0))
    z = gen.standard_normal((K * h, D + 1))
    design = problem._design  # the lower-triangular [d + 1, d + 1] factor M
    best_n = best_p = np.inf
    for _ in range(repeats):
        t0 = time.thread_time()
        for _ in range(blocks):
            gen.standard_normal((K * h, D + 1))
        t1 = time.thread_time()
        for _ in range(blocks):
            dtrmm(1.0, design, z.T, side=0, lower=1, overwrite_b=1)
        t2 = time.thread_time()
        best_n, best_p = min(best_n, t1 - t0), min(best_p, t2 - t1)
    return float(best_n), float(best_p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=400)
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    T, S, repeats = args.T, args.seeds, args.repeats
    configs = [(v, s) for s in (1, S) for v in ("before", "after")]
    best = dict.fromkeys(configs, np.inf)
    with one_blas_thread():
        for v in ("before", "after"):  # warm-up: imports, caches, first allocations
            plain_time(v, 2, 20)
        for r in range(repeats):
            order = configs if r % 2 == 0 else configs[::-1]
            for v, s in order:
                best[v, s] = min(best[v, s], plain_time(v, s, T))
        shares = {
            (v, s): profile(v, s, T, max(2, repeats - 2))
            for v, s in [("before", S), ("after", 1), ("after", S)]
        }
        normals, product = floors(S, T, repeats)

    print(
        f"least squares d = {D}, m = {M}, f = {F}, T = {T}, {AGGREGATOR} + {ATTACK.upper()} + "
        f"{ESTIMATOR}; thread CPU time, 1 BLAS thread, min of {repeats} interleaved runs"
    )
    print(f"{'':14}{'S = 1':>10}{f'S = {S}':>10}{f'{S} seeds / 1':>16}{'seed·steps/s':>16}")
    for v in ("before", "after"):
        one, many = best[v, 1], best[v, S]
        print(f"{v:14}{one:>9.3f}s{many:>9.3f}s{many / one:>15.2f}×{S * T / many:>16,.0f}")
    scaling = best["after", S] / best["after", 1]
    throughput = best["before", S] / best["after", S]
    print(f"seed scaling after: {S} seeds cost {scaling:.2f}× one seed (target ≤ 4)")
    print(f"throughput after / before at S = {S}: {throughput:.2f}× (target ≥ 2)")
    print(f"one seed after / before: {best['after', 1] / best['before', 1]:.2f}×")
    print()
    print("where the time goes (share of one run; timing proxies, wall clock, min of runs):")
    print(f"{'':14}" + "".join(f"{p:>12}" for p in (*PARTS, "loop")) + f"{'total':>10}")
    for (v, s), p in shares.items():
        row = "".join(f"{p[k] / p['total']:>12.1%}" for k in (*PARTS, "loop"))
        print(f"{v:7}S = {s:<3}{row}{p['total']:>9.3f}s")
    print(
        f"irreducible parts of sampling at S = {S}: the normal draws {normals:.3f} s "
        f"({normals / best['after', S]:.1%} of the after run), the design product "
        f"{product:.3f} s ({product / best['after', S]:.1%})"
    )


if __name__ == "__main__":
    main()
