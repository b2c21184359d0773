"""Throughput of ``sco.simulate`` and where its time goes (docs/architecture.md §5).

Run: ``python benchmarks/simulate.py [--T 2000] [--repeats 3]``. At S = 16 seeds, m = 17,
f = 4, d = 100 on a quadratic with ``ctma(cwtm)`` under ALIE and μ²-SGD it reports

- throughput in seed·worker·steps per second;
- the share of time in the oracle (sampling + stochastic gradients) against aggregation,
  attack and bookkeeping (everything else), measured by timing wrappers around the oracle, the
  aggregator and the attack; goal: aggregation + attack + bookkeeping ≤ 1× the oracle;
- the cost of 32 seeds against 1 seed (goal ≤ 4×).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import problems
import sco


class Timer:
    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Any) -> Any:
        def timed(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                self.seconds += time.perf_counter() - t0

        return timed


class TimedProblem:
    """Forwards every attribute to ``problem``; times ``sample`` and ``stoch_grad``."""

    def __init__(self, problem: Any, timer: Timer) -> None:
        self._p = problem
        self.sample = timer.wrap(problem.sample)
        self.stoch_grad = timer.wrap(problem.stoch_grad)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._p, name)


def profile(S: int, T: int, d: int = 100, m: int = 17, f: int = 4) -> dict[str, float]:
    problem = problems.Quadratic.random(d, rng=0)
    agg = sco.aggregators.make("ctma(cwtm)")
    atk = sco.attacks.make("alie")
    oracle, agg_t, atk_t = Timer(), Timer(), Timer()
    timed_agg = agg_t.wrap(agg)
    timed_atk = sco.attacks.Attack("alie", atk_t.wrap(lambda h, *, f: atk(h, f=f)), {})
    t0 = time.perf_counter()
    sco.simulate(
        TimedProblem(problem, oracle),
        aggregator=lambda x, *, f, rng=None: timed_agg(x, f=f),
        attack=timed_atk,
        estimator="mu2sgd",
        m=m,
        f=f,
        T=T,
        lr=1 / (8 * T),
        seeds=S,
        rng=0,
    )
    total = time.perf_counter() - t0
    rest = total - oracle.seconds
    return {
        "S": S,
        "total_s": total,
        "throughput": S * m * T / total,
        "oracle_s": oracle.seconds,
        "aggregation_s": agg_t.seconds,
        "attack_s": atk_t.seconds,
        "bookkeeping_s": rest - agg_t.seconds - atk_t.seconds,
        "rest_over_oracle": rest / oracle.seconds,
    }


def plain_time(S: int, T: int, repeats: int) -> float:
    problem = problems.Quadratic.random(100, rng=0)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        sco.simulate(
            problem,
            aggregator="ctma(cwtm)",
            attack="alie",
            estimator="mu2sgd",
            m=17,
            f=4,
            T=T,
            lr=1 / (8 * T),
            seeds=S,
            rng=0,
        )
        best = min(best, time.perf_counter() - t0)
    return float(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    p = profile(16, args.T)
    print(f"S = 16, m = 17, f = 4, d = 100, T = {args.T}, ctma(cwtm) + ALIE, mu2sgd")
    print(f"  total {p['total_s']:.2f} s, throughput {p['throughput']:,.0f} seed·worker·steps/s")
    print(
        f"  oracle {p['oracle_s']:.2f} s, aggregation {p['aggregation_s']:.2f} s, "
        f"attack {p['attack_s']:.2f} s, bookkeeping {p['bookkeeping_s']:.2f} s"
    )
    print(
        f"  (aggregation + attack + bookkeeping) / oracle = {p['rest_over_oracle']:.2f}  (goal ≤ 1)"
    )
    one, many = plain_time(1, args.T, args.repeats), plain_time(32, args.T, args.repeats)
    print(f"  1 seed {one:.2f} s, 32 seeds {many:.2f} s: ratio {many / one:.2f}  (goal ≤ 4)")


if __name__ == "__main__":
    main()
