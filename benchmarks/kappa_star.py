"""Speed of the exact κ* (docs/theory.md §6).

Run: ``python benchmarks/kappa_star.py``. Prints (i) the cost of a closed form per call (min
over repeats of the mean of 1000 calls, in microseconds) for mean, CWTM, CWMed and GM; (ii) the
wall time of κ*(Krum; 17, f) by the SDP for every valid f (1 ≤ f ≤ 7) and their total (goal:
≤ 60 s on 2 cores); (iii) the SOCP enumeration for CWTM at every m ≤ 13 and valid f. Process
CPU time is printed beside wall time, so a busy machine shows up as wall ≫ CPU.
"""

from __future__ import annotations

import argparse
import time
import timeit

from sco import aggregators as A
from sco.robustness import kappa_star


def closed_forms(repeat: int) -> None:
    print("closed forms (µs per call, min over repeats of 1000 calls):")
    for spec, m, f in (("mean", 17, 4), ("cwtm", 17, 4), ("cwmed", 17, 4), ("gm", 17, 4)):
        agg = A.make(spec)
        t = min(
            timeit.repeat(lambda a=agg, m=m, f=f: kappa_star(a, m, f), number=1000, repeat=repeat)
        )
        value = kappa_star(agg, m, f).value
        print(f"  {spec:<6} m={m} f={f}: {t * 1e3:8.1f} µs  value {value:.6g}")


def krum17() -> None:
    print("κ*(krum; 17, f) by the SDP:")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for f in range(1, 8):
        w, c = time.perf_counter(), time.process_time()
        ks = kappa_star("krum", 17, f)
        print(
            f"  f={f}: {ks.value:.6f} in [{ks.lower:.6f}, {ks.upper:.6f}] ({ks.method}), "
            f"{time.perf_counter() - w:.2f} s wall, {time.process_time() - c:.2f} s CPU"
        )
    print(
        f"  total {time.perf_counter() - wall0:.1f} s wall, "
        f"{time.process_time() - cpu0:.1f} s CPU (goal ≤ 60 s)"
    )


def socp_cwtm() -> None:
    t0 = time.perf_counter()
    worst = 0.0
    n = 0
    for m in range(3, 14):
        for f in range(0, (m - 1) // 2 + 1):
            ks = kappa_star("cwtm", m, f, method="SOCP enumeration")
            q = f / (m - 2 * f)
            worst = max(worst, abs(ks.value - q) / max(q, 1e-300) if q else abs(ks.value))
            n += 1
    print(
        f"SOCP enumeration, cwtm, every m ≤ 13 and f: {n} cases in "
        f"{time.perf_counter() - t0:.1f} s, max relative error vs f/(m − 2f) {worst:.2e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-krum", action="store_true")
    args = parser.parse_args()
    closed_forms(args.repeat)
    if not args.skip_krum:
        krum17()
    socp_cwtm()


if __name__ == "__main__":
    main()
