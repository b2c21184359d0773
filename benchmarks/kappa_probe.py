"""Worst realised robustness ratio per aggregator, as a fraction of its declared κ
(docs/theory.md §2).

Run: ``python benchmarks/kappa_probe.py [--instances N]``. For each rule of the κ table and each
(m, f), searches random and adversarial instances (every attack of docs/theory.md §3, including the
adaptive line search against the rule itself) and prints the worst ‖A − x̄_S‖²/V_S for S = the
honest rows, next to κ(m, f) and their quotient. A quotient above 1 would be a counterexample.
"""

from __future__ import annotations

import argparse

import numpy as np

from sco import aggregators as A
from sco.robustness import worst_ratio

SPECS = [
    "cwtm",
    "cwmed",
    "gm",
    "krum",
    "nnm(cwtm)",
    "nnm(cwmed)",
    "ctma(cwtm)",
    "ctma(cwmed)",
    "ctma(gm)",
    "ctma(krum)",
]
GRID = [(11, 1), (11, 2), (11, 4), (17, 2), (17, 4), (17, 6), (25, 5), (25, 10)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=64, help="instances per attack")
    parser.add_argument("--dim", type=int, default=5)
    args = parser.parse_args()
    print("| aggregator | m | f | worst ratio | κ(m, f) | worst / κ | worst attack |")
    print("|---|---|---|---|---|---|---|")
    overall: dict[str, float] = {}
    for spec in SPECS:
        agg = A.make(spec)
        for m, f in GRID:
            kappa = agg.kappa(m, f)
            if kappa is None:
                continue
            probe = worst_ratio(
                agg, m, f, args.dim, np.random.default_rng(m * 100 + f), args.instances
            )
            q = probe.ratio / kappa
            overall[spec] = max(overall.get(spec, 0.0), q)
            row = f"| {spec} | {m} | {f} | {probe.ratio:.4g} | {kappa:.4g} | {q:.3f}"
            print(f"{row} | {probe.attack} |")
    print("\n| aggregator | worst / κ over the grid |")
    print("|---|---|")
    for spec, q in overall.items():
        print(f"| {spec} | {q:.3f} |")


if __name__ == "__main__":
    main()
