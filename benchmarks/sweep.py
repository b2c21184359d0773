"""Sweep scaling (docs/architecture.md §5): 2 local workers against 1, and a Dask LocalCluster
against local.

Run: ``python benchmarks/sweep.py``. Runs ``examples/sweep-small.toml`` (8 runs) into fresh
temporary stores with each executor and prints wall times and ratios. Goals: 2 local workers
≥ 1.7× one worker; a Dask LocalCluster (2 workers) within 15% of the local pool (2 workers).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from verify import sweep

SPEC = Path(__file__).resolve().parents[1] / "examples" / "sweep-small.toml"


def timed(**kw: object) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        sweep.run(SPEC, out, progress=False, **kw)  # type: ignore[arg-type]
        return time.perf_counter() - t0


def main() -> None:
    one = timed(workers=1)
    two = timed(workers=2)
    dask = timed(executor="dask", workers=2)
    print(
        f"sweep-small (8 runs): local 1 worker {one:.1f} s, local 2 workers {two:.1f} s, "
        f"dask LocalCluster 2 workers {dask:.1f} s"
    )
    print(f"  speed-up 2 vs 1 local workers: {one / two:.2f}  (goal ≥ 1.7)")
    print(f"  dask / local (2 workers): {dask / two:.2f}  (goal ≤ 1.15)")


if __name__ == "__main__":
    main()
