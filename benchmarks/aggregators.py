"""Aggregator cost as a ratio to ``x.mean(axis=-2)`` on the same input (docs/architecture.md §5).

Run: ``python benchmarks/aggregators.py [--repeats N] [--quick]``. Prints three tables:

1. every aggregator's cost in units of one mean at (m, d) ∈ {(20, 1e5), (100, 1e4), (1000, 1e3)}
   with f = ⌊m/5⌋, and CTMA's overhead over its base (cost(ctma(A)) − cost(A)) in means;
2. the coordinate-wise kernel before/after: ``np.sort`` along the worker axis vs the compiled
   selection kernel (and its numpy fallback);
3. claim C1: cost vs m at d = 1e4, m ∈ {25, 50, 100, 200, 400}, with the fitted log-log
   exponent for CTMA (its own step, given the base output, and ctma(cwmed) in total) and NNM.

Every figure is measured the way claim C1 measures cost (``verify.timing``): the rule and the
reference pass ``x.mean(axis=-2)`` on the same array are timed alternately on this thread's CPU
clock with one BLAS thread, and the ratio of their minima over repeats is reported, so machine
speed and load cancel out.
"""

from __future__ import annotations

import argparse

import numpy as np

from sco import aggregators as A
from sco.aggregators import _orderstats
from verify.timing import CLOCK, interleaved

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


def cost_table(repeats: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    rng = np.random.default_rng(0)
    for m, d in SIZES:
        x = rng.standard_normal((m, d))
        f = m // 5
        costs: dict[str, float] = {}
        for spec in SPECS:
            agg = A.make(spec)
            gen = np.random.default_rng(1)
            reps = max(3, repeats // 4) if ("gm" in spec or "nnm" in spec or m == 1000) else repeats
            costs[spec] = interleaved(
                lambda agg=agg, gen=gen: agg(x, f=f, rng=gen), lambda: x.mean(axis=-2), reps
            ).ratio
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

        def ref() -> object:
            return x.mean(axis=-2)

        for label, (lo, hi) in {
            "cwtm range": (f, m - f),
            "median range": ((m - 1) // 2, m // 2 + 1),
        }.items():
            rows.append(
                {
                    "m": m,
                    "d": d,
                    "range": label,
                    "np.sort": interleaved(lambda: np.sort(x, axis=-2), ref, repeats).ratio,
                    "numpy fallback": interleaved(
                        lambda: _orderstats._rank_range_sum_numpy(x, lo, hi), ref, repeats
                    ).ratio,
                    "kernel": interleaved(
                        lambda: _orderstats.rank_range_sum(x, lo, hi), ref, repeats
                    ).ratio,
                }
            )
    return rows


def scaling_table(
    repeats: int, ms: tuple[int, ...] = (25, 50, 100, 200, 400), d: int = 10_000
) -> dict[str, object]:
    """Claim C1's measurement at d = 1e4: each rule in units of a mean on the same array, and
    the fitted exponent in m of that ratio (0 = linear in m, 1 = quadratic)."""
    rng = np.random.default_rng(0)
    r_step, r_ctma, r_nnm = [], [], []
    for m in ms:
        x = rng.standard_normal((m, d))
        f = m // 5
        centre = A.cwmed(x)

        def ref() -> object:
            return x.mean(axis=-2)

        r_step.append(
            interleaved(lambda: A.ctma(x, f=f, base=lambda y, f: centre), ref, repeats).ratio
        )
        r_ctma.append(interleaved(lambda: A.ctma(x, f=f, base="cwmed"), ref, repeats).ratio)
        r_nnm.append(interleaved(lambda: A.nnm_mix(x, f=f), ref, max(3, repeats // 2)).ratio)
    logm = np.log(ms)
    return {
        "m": list(ms),
        "ctma step (means)": r_step,
        "ctma(cwmed) (means)": r_ctma,
        "nnm mixing (means)": r_nnm,
        "exponent ctma step": float(np.polyfit(logm, np.log(r_step), 1)[0]),
        "exponent ctma(cwmed)": float(np.polyfit(logm, np.log(r_ctma), 1)[0]),
        "exponent nnm": float(np.polyfit(logm, np.log(r_nnm), 1)[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"compiled order-statistics kernel: {_orderstats.COMPILED}; clock: {CLOCK}\n")
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
    print("\nC1 (d = 1e4, cost in means): m =", sc["m"])
    for key in ("ctma step (means)", "ctma(cwmed) (means)", "nnm mixing (means)"):
        print(f"  {key:20s}", " ".join(f"{t:8.2f}" for t in sc[key]))  # type: ignore[union-attr]
    print(
        f"  fitted exponents of the ratio: ctma step {sc['exponent ctma step']:.2f}, "
        f"ctma(cwmed) {sc['exponent ctma(cwmed)']:.2f}, nnm {sc['exponent nnm']:.2f} "
        "(0: linear in m, 1: quadratic)"
    )


if __name__ == "__main__":
    main()
