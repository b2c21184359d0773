"""Public conformance suite for aggregators (in the spirit of scikit-learn's ``check_estimator``).

``check_aggregator(agg)`` runs every property an aggregator declares and raises
``AssertionError`` naming the first property that fails; it returns a report with the worst
realised κ ratio. ``worker_arrays`` gives hypothesis strategies for worker arrays (hypothesis is
imported only when it is called, so ``import sco`` never needs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .aggregators import Aggregator, AggregatorLike, resolve
from .robustness import worst_ratio, worst_subset_ratio


@dataclass(frozen=True)
class Conformance:
    """What :func:`check_aggregator` ran and found."""

    spec: str
    m: int
    f: int
    checks: tuple[str, ...]
    kappa: float | None  # declared κ(m, f), or None
    worst_ratio: float  # largest realised ‖A − x̄_S‖²/V_S found (S = honest rows)
    worst_attack: str  # the attack that produced it

    @property
    def worst_over_kappa(self) -> float | None:
        return None if self.kappa is None else self.worst_ratio / max(self.kappa, 1e-300)


def _call(agg: Aggregator, x: np.ndarray, f: int, seed: int = 0) -> np.ndarray:
    return agg(x, f=f, rng=np.random.default_rng(seed))


def check_aggregator(
    agg: AggregatorLike,
    *,
    m: int = 11,
    f: int = 2,
    d: int = 5,
    rng: Any = 0,
    n_instances: int = 32,
    rtol: float = 1e-10,
) -> Conformance:
    """Run the conformance checks on ``agg`` with m workers, f Byzantine, dimension d.

    Checks: output shape; no mutation of the input; batching is exact (``A(x[None])[0]`` and a
    stacked batch equal each call alone, bit for bit); permutation invariance of the rows
    (deterministic rules; to ``rtol``, scaled by the data); translation equivariance when
    declared; finite output with f rows of NaN, +Inf, −Inf or 1e300 when the rule is robust; and
    the declared κ: on random and adversarial instances (every attack of docs/theory.md §3,
    including the adaptive search against ``agg``) the realised ratio for S = the honest rows,
    and for every S of size m − f on a few small instances, never exceeds κ(m, f).
    """
    a = resolve(agg)
    gen = np.random.default_rng(rng)
    checks: list[str] = []
    x = gen.standard_normal((m, d)) + gen.standard_normal(d)
    scale = float(np.abs(x).max())
    tol = max(rtol, a.rtol) * max(scale, 1.0)

    before = x.copy()
    out = _call(a, x, f)
    assert np.array_equal(x, before, equal_nan=True), f"{a.spec}: the input was mutated"
    checks.append("no-mutation")
    assert out.shape == (d,), f"{a.spec}: output shape {out.shape} != ({d},)"
    checks.append("shape")

    assert np.array_equal(_call(a, x[None], f)[0], out), f"{a.spec}: A(x[None])[0] != A(x)"
    stack = gen.standard_normal((3, 2, m, d))
    stack[1, 0] = x
    batched = _call(a, stack, f)
    assert batched.shape == (3, 2, d), f"{a.spec}: batched output shape {batched.shape}"
    if not a.randomized:
        for idx in np.ndindex(3, 2):
            assert np.array_equal(batched[idx], _call(a, stack[idx], f)), (
                f"{a.spec}: batch element {idx} differs from the same call alone"
            )
    checks.append("batch==loop")

    if not a.randomized:
        perm = gen.permutation(m)
        diff = np.abs(_call(a, x[perm], f) - out).max()
        assert diff <= tol, f"{a.spec}: not permutation invariant (max diff {diff:.3g})"
        checks.append("permutation-invariance")

    if a.translation_equivariant:
        shift = 10.0 * gen.standard_normal(d)
        diff = np.abs(_call(a, x + shift, f) - (out + shift)).max()
        assert diff <= tol * 10, f"{a.spec}: not translation equivariant (max diff {diff:.3g})"
        checks.append("translation-equivariance")

    if a.robust and f > 0:
        for bad in (np.nan, np.inf, -np.inf, 1e300):
            y = x.copy()
            y[gen.choice(m, f, replace=False)] = bad
            res = _call(a, y, f)
            assert np.all(np.isfinite(res)), f"{a.spec}: non-finite output with f rows = {bad}"
        y = x.copy()
        y[gen.choice(m, f, replace=False)] = np.array([np.nan, np.inf, -np.inf, 1e300, 1.0])[
            gen.integers(0, 5, (f, d))
        ]
        assert np.all(np.isfinite(_call(a, y, f))), f"{a.spec}: non-finite output, mixed rows"
        checks.append("non-finite-rows")

    kappa = a.kappa(m, f)
    probe = worst_ratio(a, m, f, d, gen, n_instances)
    if kappa is not None:
        assert probe.ratio <= kappa * (1 + 1e-9) + 1e-12, (
            f"{a.spec}: realised ratio {probe.ratio:.6g} > κ = {kappa:.6g} ({probe.attack})"
        )
        if m <= 12:
            small = gen.standard_normal((8, m, d))
            small[:, m - f :] *= 20.0
            r = worst_subset_ratio(_call(a, small, f), small, f)
            assert np.all(r <= kappa * (1 + 1e-9) + 1e-12), (
                f"{a.spec}: ratio {r.max():.6g} > κ = {kappa:.6g} for some S of size m − f"
            )
        checks.append("kappa")
    return Conformance(a.spec, m, f, tuple(checks), kappa, probe.ratio, probe.attack)


def worker_arrays(
    *,
    m: tuple[int, int] = (3, 12),
    d: tuple[int, int] = (1, 6),
    batch: tuple[int, ...] = (),
    magnitude: float = 1e6,
) -> Any:
    """A hypothesis strategy for float64 worker arrays ``[*batch, m, d]`` with m and d drawn from
    the inclusive ranges, finite entries of absolute value ≤ ``magnitude`` (including exact
    ties and zeros)."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    elements = st.one_of(
        st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, -1.0]),
    )
    shapes = st.tuples(st.integers(*m), st.integers(*d)).map(lambda md: (*batch, *md))
    return shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=elements))
