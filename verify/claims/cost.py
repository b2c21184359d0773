"""Claim C1 (docs/theory.md §2, §5): CTMA's cost is linear in m, NNM's quadratic.

Each rule is timed in units of a reference pass over the same array (``x.mean(axis=-2)``, which
is itself linear in m), interleaved with it, on this thread's CPU clock with one BLAS thread
(:mod:`verify.timing`). The exponent in m of that ratio is what the claim bounds: ≤ 0.3 for
CTMA (total ≤ 1.3) and ≥ 0.7 for NNM (total ≥ 1.7), so machine load cancels.

Family (``verify.claims.families.COST_ARRAYS``): Gaussian arrays with d = 64, m over the grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sco import aggregators as A

from ..checks import check_min_slope
from ..measurement import Measurement
from ..timing import CLOCK, cost_in_means
from ._common import grid
from .families import COST_ARRAYS
from .registry import Claim, Control, Part, register


def _step(rule: str, x: np.ndarray, f: int) -> Callable[[np.ndarray], object]:
    """What is timed: ``"ctma"`` is CTMA's own step (distances, selection, kept mean) with the
    base's output given; ``"nnm"`` is NNM's mixing step; any other spec is the whole rule."""
    if rule == "ctma":
        centre = A.cwmed(x)
        return lambda z: A.ctma(z, f=f, base=lambda y, f: centre)
    if rule == "nnm":
        return lambda z: A.nnm_mix(z, f=f)
    agg = A.make(rule)
    return lambda z: agg(z, f=f, rng=np.random.default_rng(0))


def cost_in_m(rule: str, ms: Sequence[int], d: int, repeats: int, rng: int) -> Measurement:
    """Per-repeat time of ``rule`` on a Gaussian [m, d] array (f = ⌊m/5⌋) in units of the
    fastest reference pass on the same array, for each m: ``values[repeats, len(ms)]``."""
    grid_m = grid("ms", ms, integer=True).astype(int)
    if len(grid_m) < 2:
        raise ValueError("C1: ms needs at least two sizes")
    gen = np.random.default_rng(rng)
    cols = []
    for m in grid_m:
        x = gen.standard_normal((m, d))
        cols.append(cost_in_means(_step(rule, x, m // 5), x, repeats).in_units())
    return Measurement(
        x=grid_m,
        values=np.stack(cols, axis=1),
        config={
            "rule": rule,
            "d": d,
            "repeats": repeats,
            "clock": CLOCK,
            "reference": "x.mean(axis=-2)",
        },
        x_name="m",
        quantity=f"{rule} cost / mean cost",
    )


def linear_cost(
    *, linear_rule: str, ms: Sequence[int], d: int, repeats: int, rng: int
) -> list[Measurement]:
    """The rule claimed linear in m (CTMA's step)."""
    return [cost_in_m(linear_rule, ms, d, repeats, rng)]


def quadratic_cost(
    *, quadratic_rule: str, ms: Sequence[int], d: int, repeats: int, rng: int
) -> list[Measurement]:
    """The rule claimed quadratic in m (NNM's mixing)."""
    return [cost_in_m(quadratic_rule, ms, d, repeats, rng)]


def _validate(kw: Any) -> None:
    for key in ("linear_rule", "quadratic_rule"):
        if kw[key] not in ("ctma", "nnm"):
            A.make(kw[key])
    grid("ms", kw["ms"], integer=True)


_C1 = dict(linear_rule="ctma", quadratic_rule="nnm", d=64)
register(
    Claim(
        id="C1",
        weight=2.0,
        statement="CTMA's cost is linear in m and NNM's quadratic (in units of a mean)",
        reference="docs/theory.md §2 (CTMA cost), §5",
        family=COST_ARRAYS,
        parts=(
            Part("linear", linear_cost, (lambda meas: check_min_slope(meas, 0.3),)),
            Part(
                "quadratic",
                quadratic_cost,
                (lambda meas: check_min_slope(meas, 0.7, side="lower"),),
            ),
        ),
        scales={
            "smoke": dict(_C1, instances=1, ms=(100, 200, 400, 800), repeats=5),
            "quick": dict(_C1, instances=3, ms=(100, 200, 400, 800, 1600), repeats=7),
            "full": dict(_C1, instances=5, ms=(100, 200, 400, 800, 1600, 3200), repeats=21),
        },
        controls=(
            Control(
                "nnm_as_linear",
                "NNM's mixing checked against CTMA's linear limit",
                {"linear_rule": "nnm"},
                parts=("linear",),
            ),
        ),
        seeded=False,
        validate=_validate,
    )
)
