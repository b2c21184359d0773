"""Benchmark of coordinate-wise order statistics (the CWTM / CWMed kernel) against ``x.mean``.

For each (m, d) prints, in units of the mean (the method of claim C1, ``verify.timing``: timed
alternately with the mean on this thread's CPU clock with one BLAS thread, minimum over
``--repeats`` runs each),

* ``x.mean(axis=-2)``                      the yardstick (ratio 1);
* ``np.sort(x, axis=-2)``                  what a plain numpy CWTM/CWMed pays at least;
* numpy fallback  ``_rank_range_sum_numpy`` for the CWTM range and the median range;
* compiled kernel ``rank_range_sum``        for the same two ranges (if built),

each as a ratio to the mean. CWTM uses f = (m - 1) // 4, i.e. ranks f .. m-f-1; the median range
is ranks (m-1)//2 .. m//2. No assertions: this only reports. Run:

    .venv/bin/python benchmarks/orderstats.py [--repeats 30] [--sizes 20x100000,100x10000]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial

import numpy as np

from sco.aggregators import _orderstats
from verify.timing import CLOCK, interleaved

DEFAULT_SIZES = "20x100000,100x10000,1000x1000"


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"20x100000,100x10000"`` -> ``[(20, 100000), (100, 10000)]``."""
    sizes = []
    for item in text.split(","):
        m, d = item.lower().split("x")
        sizes.append((int(m), int(d)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per entry (>= 20)")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated MxD list")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.repeats < 20:
        parser.error("--repeats must be >= 20")

    rng = np.random.default_rng(args.seed)
    print(f"compiled kernel available: {_orderstats.COMPILED}; {CLOCK}; min of {args.repeats}")
    header = (
        f"{'m':>5} {'d':>7} {'np.sort':>8} {'np trim':>8} {'np med':>8} {'C trim':>8} {'C med':>8}"
    )
    print(header)
    print("-" * len(header))
    for m, d in parse_sizes(args.sizes):
        x = rng.standard_normal((m, d))
        f = (m - 1) // 4
        trim, med = (f, m - f), ((m - 1) // 2, m // 2 + 1)
        mean = partial(np.mean, x, axis=-2)
        entries: list[Callable[[], object]] = [
            partial(np.sort, x, axis=-2),
            partial(_orderstats._rank_range_sum_numpy, x, *trim),
            partial(_orderstats._rank_range_sum_numpy, x, *med),
        ]
        if _orderstats.COMPILED:
            entries += [
                partial(_orderstats.rank_range_sum, x, *trim),
                partial(_orderstats.rank_range_sum, x, *med),
            ]
        ratios = [f"{interleaved(fn, mean, args.repeats).ratio:7.1f}x" for fn in entries]
        ratios += ["     n/a"] * (5 - len(ratios))
        print(f"{m:>5} {d:>7} " + " ".join(ratios))


if __name__ == "__main__":
    main()
