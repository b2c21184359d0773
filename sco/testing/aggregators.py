"""The conformance suite of an aggregator: what every rule must satisfy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal, overload

import numpy as np

from ..aggregators import Aggregator, AggregatorLike, resolve
from ..robustness import worst_ratio, worst_subset_ratio
from ._core import (
    Check,
    Conformance,
    SkipCheck,
    _fail,
    _same,
    run_checks,
)

# ---------------------------------------------------------------------------------------------
# Aggregators
# ---------------------------------------------------------------------------------------------


def _call(agg: Aggregator, x: np.ndarray, f: int, seed: int = 0) -> np.ndarray:
    # a copy: a mutating rule fails "no-mutation" without corrupting the data of other checks
    return agg(np.array(x), f=f, rng=np.random.default_rng(seed))


def aggregator_checks(
    agg: AggregatorLike,
    *,
    m: int = 11,
    f: int = 2,
    d: int = 5,
    rng: Any = 0,
    n_instances: int = 32,
    rtol: float = 1e-10,
) -> Iterator[Check]:
    """The aggregator suite, one :class:`Check` at a time (see :func:`check_aggregator`)."""
    a = resolve(agg)
    s = a.spec
    gen = np.random.default_rng(rng)
    x = gen.standard_normal((m, d)) + gen.standard_normal(d)
    stack = gen.standard_normal((3, 2, m, d))
    stack[1, 0] = x
    perm = gen.permutation(m)
    shift = 10.0 * gen.standard_normal(d)
    scale = float(np.abs(x).max())
    tol = max(rtol, a.rtol) * max(scale, 1.0)
    probe_seed = int(gen.integers(2**63))

    def shape() -> None:
        """A(x[m, d]) has shape [d]."""
        out = _call(a, x.copy(), f)
        if np.shape(out) != (d,):
            raise _fail("shape", s, f"output shape {np.shape(out)} != ({d},)")

    def no_mutation() -> None:
        """The input array is unchanged by the call."""
        y = x.copy()
        a(y, f=f, rng=np.random.default_rng(0))
        if not _same(y, x):
            raise _fail("no-mutation", s, "the input was mutated")

    def batching() -> None:
        """A(x[None])[0] == A(x) bit for bit, and a [3, 2, m, d] batch gives [3, 2, d]."""
        if not _same(_call(a, x[None], f)[0], _call(a, x, f)):
            raise _fail("batching", s, "A(x[None])[0] != A(x)")
        batched = _call(a, stack, f)
        if np.shape(batched) != (3, 2, d):
            raise _fail("batching", s, f"batched output shape {np.shape(batched)} != (3, 2, {d})")

    def batch_loop() -> None:
        """Each element of a stacked batch equals the same call alone, bit for bit."""
        batched = _call(a, stack, f)
        for idx in np.ndindex(3, 2):
            if not _same(batched[idx], _call(a, stack[idx], f)):
                raise _fail(
                    "batch-equals-loop", s, f"batch element {idx} differs from the same call alone"
                )

    def determinism() -> None:
        """Two calls with the same seed give the same output, bit for bit."""
        if not _same(_call(a, x, f, 7), _call(a, x, f, 7)):
            raise _fail("determinism", s, "two calls with the same rng seed differ")

    def permutation() -> None:
        """A(x[π]) = A(x) to rtol (scaled by the data) for a random row permutation π."""
        diff = float(np.abs(_call(a, x[perm], f) - _call(a, x, f)).max())
        if not diff <= tol:
            raise _fail(
                "permutation-invariance", s, f"not permutation invariant (max diff {diff:.3g})"
            )

    def translation() -> None:
        """A(x + c) = A(x) + c to 10·rtol (scaled) for a random shift c of scale 10."""
        diff = float(np.abs(_call(a, x + shift, f) - (_call(a, x, f) + shift)).max())
        if not diff <= tol * 10:
            raise _fail(
                "translation-equivariance", s, f"not translation equivariant (max diff {diff:.3g})"
            )

    def non_finite() -> None:
        """With f rows of NaN, +Inf, −Inf, 1e300 or a mix, the output stays finite."""
        g = np.random.default_rng(probe_seed)
        for bad in (np.nan, np.inf, -np.inf, 1e300):
            y = x.copy()
            y[g.choice(m, f, replace=False)] = bad
            if not np.all(np.isfinite(_call(a, y, f))):
                raise _fail("non-finite-rows", s, f"non-finite output with f rows = {bad}")
        y = x.copy()
        y[g.choice(m, f, replace=False)] = np.array([np.nan, np.inf, -np.inf, 1e300, 1.0])[
            g.integers(0, 5, (f, d))
        ]
        if not np.all(np.isfinite(_call(a, y, f))):
            raise _fail("non-finite-rows", s, "non-finite output, mixed rows")

    kappa = a.kappa(m, f)

    def declared_kappa() -> dict[str, Any]:
        """On random and adversarial instances (every attack of docs/theory.md §3, including
        the adaptive search against the rule) the realised ratio ‖A − x̄_S‖²/V_S for S = the
        honest rows, and for every S of size m − f on small instances (m ≤ 12), never exceeds
        the declared κ(m, f)."""
        if kappa is None:
            raise SkipCheck("no κ declared")
        g = np.random.default_rng(probe_seed)
        probe = worst_ratio(a, m, f, d, g, n_instances)
        if not probe.ratio <= kappa * (1 + 1e-9) + 1e-12:
            raise _fail(
                "declared-kappa",
                s,
                f"realised ratio {probe.ratio:.6g} > κ = {kappa:.6g} ({probe.attack})",
            )
        if m <= 12:
            small = g.standard_normal((8, m, d))
            small[:, m - f :] *= 20.0
            r = worst_subset_ratio(_call(a, small, f), small, f)
            if not np.all(r <= kappa * (1 + 1e-9) + 1e-12):
                raise _fail(
                    "declared-kappa",
                    s,
                    f"realised ratio {r.max():.6g} > κ = {kappa:.6g} for some S of size m − f",
                )
        return {"worst_ratio": probe.ratio, "worst_attack": probe.attack}

    yield Check("shape", shape, s)
    yield Check("no-mutation", no_mutation, s)
    yield Check("batching", batching, s)
    rand = "randomised rule: the draws depend on the batch layout" if a.randomized else None
    yield Check("batch-equals-loop", batch_loop, s, rand)
    yield Check("determinism", determinism, s)
    yield Check(
        "permutation-invariance",
        permutation,
        s,
        "randomised rule: invariant in distribution only" if a.randomized else None,
    )
    yield Check(
        "translation-equivariance",
        translation,
        s,
        None if a.translation_equivariant else "translation equivariance not declared",
    )
    skip_nf = None
    if not a.robust:
        skip_nf = "robustness to non-finite rows not declared (robust=False)"
    elif f == 0:
        skip_nf = "f = 0: no Byzantine rows"
    yield Check("non-finite-rows", non_finite, s, skip_nf)
    skip_k = None
    if kappa is None:
        skip_k = (
            f"m = {m} < min_workers(f) = {a.min_workers(f)}"
            if m < a.min_workers(f)
            else "no κ declared (a plain callable declares none; register it with kappa=)"
        )
    yield Check("declared-kappa", declared_kappa, s, skip_k)


@overload
def check_aggregator(
    agg: AggregatorLike, *, generate_only: Literal[True], **kw: Any
) -> Iterator[Check]: ...
@overload
def check_aggregator(
    agg: AggregatorLike, *, generate_only: Literal[False] = ..., **kw: Any
) -> Conformance: ...
def check_aggregator(
    agg: AggregatorLike, *, generate_only: bool = False, **kw: Any
) -> Conformance | Iterator[Check]:
    """Run the aggregator suite on ``agg`` (keywords m=11, f=2, d=5, rng=0, n_instances=32,
    rtol=1e-10) and raise the first :class:`ConformanceError`; ``generate_only=True`` returns
    the checks instead.

    Checks: ``shape`` (output [d]); ``no-mutation`` (input unchanged); ``batching``
    (``A(x[None])[0]`` equals ``A(x)`` bit for bit, a stacked batch has the batch shape);
    ``batch-equals-loop`` (each batch element equals the call alone, bit for bit; skipped for
    randomised rules); ``determinism`` (same seed, same output); ``permutation-invariance``
    (to ``rtol`` scaled by the data; skipped for randomised rules);
    ``translation-equivariance`` (when declared); ``non-finite-rows`` (finite output with f
    rows of NaN, ±Inf, 1e300 when declared robust and f > 0); ``declared-kappa`` (the realised
    ratio never exceeds κ(m, f) on random, adversarial and adaptive instances; skipped when no
    κ is declared).
    """
    checks = aggregator_checks(agg, **kw)
    if generate_only:
        return checks
    a = resolve(agg)
    m, f = int(kw.get("m", 11)), int(kw.get("f", 2))
    report = run_checks(checks, a.spec)
    info: Mapping[str, Any] = (
        report.info("declared-kappa") if "declared-kappa" in report.checks else {}
    )
    return Conformance(
        a.spec,
        report.results,
        m,
        f,
        a.kappa(m, f),
        float(info.get("worst_ratio", float("nan"))),
        str(info.get("worst_attack", "")),
    )
