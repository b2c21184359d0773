"""Aggregator cost as a ratio to ``x.mean(axis=-2)`` on the same input (DESIGN.md §5).

Run: ``python benchmarks/aggregators.py [--repeats N] [--quick]``. Prints three tables:

1. every aggregator's cost in units of one mean at (m, d) ∈ {(20, 1e5), (100, 1e4), (1000, 1e3)}
   with f = ⌊m/5⌋, and CTMA's overhead over its base (cost(ctma(A)) − cost(A)) in means;
2. the coordinate-wise kernel before/after: ``np.sort`` along the worker axis vs the compiled
   selection kernel (and its numpy fallback);
3. claim C1: cost vs m at d = 1e4, m ∈ {25, 50, 100, 200, 400}, with the fitted log-log
   exponent for CTMA (its own step, given the base output, and ctma(cwmed) in total) and NNM.

Timings are medians over repeats of ``time.perf_counter`` after a warm-up; every figure is a
ratio measured in this process on the same array, so machine speed cancels out.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from sco import aggregators as A
from sco.aggregators import _orderstats

SIZES = [(20, 100_000), (100, 10_000), (1000, 1000)]
SPECS = [
    "cwtm",
    "cwmed",
    "gm",
    "krum",
    "multi_krum",
    "cc",
    "nnm(cwtm)",
    "bucketing(cwmed)",
    "ctma(cwtm)",
    "ctma(cwmed)",
    "ctma(gm)",
    "ctma(krum)",
]
GOALS = {"cwtm": 8.0, "cwmed": 8.0, "gm": 60.0}


def median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def cost_table(repeats: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    rng = np.random.default_rng(0)
    for m, d in SIZES:
        x = rng.standard_normal((m, d))
        f = m // 5
        unit = median_time(lambda: x.mean(axis=-2), repeats * 5)
        costs: dict[str, float] = {}
        for spec in SPECS:
            agg = A.make(spec)
            gen = np.random.default_rng(1)
            reps = max(3, repeats // 4) if ("gm" in spec or "nnm" in spec or m == 1000) else repeats
            costs[spec] = median_time(lambda agg=agg, gen=gen: agg(x, f=f, rng=gen), reps) / unit
        for spec, ratio in costs.items():
            row: dict[str, object] = {"m": m, "d": d, "f": f, "aggregator": spec, "means": ratio}
            if spec.startswith("ctma("):
                row["ctma_overhead"] = ratio - costs[spec[5:-1]]
            rows.append(row)
    return rows


def kernel_table(repeats: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    rng = np.random.default_rng(0)
    for m, d in SIZES:
        x = rng.standard_normal((m, d))
        f = (m - 1) // 4
        unit = median_time(lambda: x.mean(axis=-2), repeats * 5)
        for label, (lo, hi) in {
            "cwtm range": (f, m - f),
            "median range": ((m - 1) // 2, m // 2 + 1),
        }.items():
            rows.append(
                {
                    "m": m,
                    "d": d,
                    "range": label,
                    "np.sort": median_time(lambda: np.sort(x, axis=-2), repeats) / unit,
                    "numpy fallback": median_time(
                        lambda: _orderstats._rank_range_sum_numpy(x, lo, hi), repeats
                    )
                    / unit,
                    "kernel": median_time(lambda: _orderstats.rank_range_sum(x, lo, hi), repeats)
                    / unit,
                }
            )
    return rows


def scaling_table(
    repeats: int, ms: tuple[int, ...] = (25, 50, 100, 200, 400), d: int = 10_000
) -> dict[str, object]:
    rng = np.random.default_rng(0)
    t_ctma_step, t_ctma, t_nnm = [], [], []
    for m in ms:
        x = rng.standard_normal((m, d))
        f = m // 5
        centre = A.cwmed(x)
        t_ctma_step.append(median_time(lambda: A.ctma(x, f=f, base=lambda y, f: centre), repeats))
        t_ctma.append(median_time(lambda: A.ctma(x, f=f, base="cwmed"), repeats))
        t_nnm.append(median_time(lambda: A.nnm_mix(x, f=f), max(3, repeats // 2)))
    logm = np.log(ms)
    return {
        "m": list(ms),
        "ctma step (s)": t_ctma_step,
        "ctma(cwmed) (s)": t_ctma,
        "nnm mixing (s)": t_nnm,
        "exponent ctma step": float(np.polyfit(logm, np.log(t_ctma_step), 1)[0]),
        "exponent ctma(cwmed)": float(np.polyfit(logm, np.log(t_ctma), 1)[0]),
        "exponent nnm": float(np.polyfit(logm, np.log(t_nnm), 1)[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"compiled order-statistics kernel: {_orderstats.COMPILED}\n")
    print("| m | d | f | aggregator | cost (means) | goal | CTMA overhead (means) |")
    print("|---|---|---|---|---|---|---|")
    for r in cost_table(repeats):
        spec = str(r["aggregator"])
        goal = GOALS.get(spec, 15.0 if "krum" == spec[:4] and r["m"] == 100 else None)
        over = f"{r['ctma_overhead']:.2f}" if "ctma_overhead" in r else ""
        print(
            f"| {r['m']} | {r['d']} | {r['f']} | {spec} | {r['means']:.2f} | "
            f"{'≤ ' + format(goal, 'g') if goal else ''} | {over} |"
        )
    print("\n| m | d | ranks | np.sort | numpy fallback | kernel |")
    print("|---|---|---|---|---|---|")
    for r in kernel_table(repeats):
        print(
            f"| {r['m']} | {r['d']} | {r['range']} | {r['np.sort']:.2f} | "
            f"{r['numpy fallback']:.2f} | {r['kernel']:.2f} |"
        )
    sc = scaling_table(repeats)
    print("\nC1 (d = 1e4): m =", sc["m"])
    for key in ("ctma step (s)", "ctma(cwmed) (s)", "nnm mixing (s)"):
        print(f"  {key:16s}", " ".join(f"{t * 1e3:8.2f}ms" for t in sc[key]))  # type: ignore[union-attr]
    print(
        f"  fitted exponents: ctma step {sc['exponent ctma step']:.2f}, "
        f"ctma(cwmed) {sc['exponent ctma(cwmed)']:.2f}, nnm {sc['exponent nnm']:.2f}"
    )


if __name__ == "__main__":
    main()
