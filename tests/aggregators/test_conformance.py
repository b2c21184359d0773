"""sco.testing.check_aggregator on every registered rule, and proof that each check can fail."""

from __future__ import annotations

import numpy as np
import pytest

from sco import aggregators as A
from sco.aggregators.registry import Aggregator, Entry, _kappa_cwtm
from sco.testing import ConformanceError, check_aggregator, worker_arrays

META = {"ctma", "nnm", "bucketing", "clip", "arc"}
SPECS = [f"{n}(cwtm)" if n in META else n for n in A.names()] + [
    "ctma(gm)",
    "ctma(krum)",
    "nnm(gm)",
    "ctma(nnm(cwmed))",
    "bucketing(ctma(cwtm))",
    "multi_krum(k=3)",
    "cc(tau=0.2, iters=5)",
]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(("m", "f", "d"), [(11, 2, 4), (17, 4, 3), (9, 0, 2)])
def test_every_registered_aggregator_conforms(spec: str, m: int, f: int, d: int) -> None:
    if m < A.make(spec).min_workers(f):
        pytest.skip(f"{spec} needs m >= {A.make(spec).min_workers(f)} for f = {f}")
    report = check_aggregator(spec, m=m, f=f, d=d, rng=m + f, n_instances=16)
    assert "batching" in report.checks and "no-mutation" in report.checks
    agg = A.make(spec)
    if agg.robust and f > 0:
        assert "non-finite-rows" in report.checks
    if agg.kappa(m, f) is not None:
        assert "declared-kappa" in report.checks
        assert report.worst_ratio <= agg.kappa(m, f) * (1 + 1e-9) + 1e-12
    else:
        assert "declared-kappa" in report.skipped  # reported with its reason, never dropped
    if agg.randomized:
        assert "permutation-invariance" in report.skipped


def _custom(func, **kw) -> Aggregator:  # type: ignore[no-untyped-def]
    return Aggregator("custom", Entry(func, **kw), {})


def test_negative_control_kappa_check_rejects_mean_declared_with_cwtm_kappa() -> None:
    fake = _custom(A.mean, kappa=_kappa_cwtm, robust=False)
    with pytest.raises(ConformanceError, match=r"realised ratio .* > κ"):
        check_aggregator(fake, m=11, f=2)


def test_negative_control_mutation_is_caught() -> None:
    def mutating(x: np.ndarray, *, f: int) -> np.ndarray:
        x[..., 0, :] = 0.0
        return np.asarray(x.mean(axis=-2))

    with pytest.raises(ConformanceError, match="mutated"):
        check_aggregator(_custom(mutating, robust=False), m=7, f=1)


def test_negative_control_order_dependence_is_caught() -> None:
    def first_row(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.array(x[..., 0, :])

    with pytest.raises(ConformanceError, match="permutation invariant"):
        check_aggregator(_custom(first_row, robust=False), m=7, f=1)


def test_negative_control_false_equivariance_claim_is_caught() -> None:
    def shrunk(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.asarray(0.5 * x.mean(axis=-2))

    with pytest.raises(ConformanceError, match="translation equivariant"):
        check_aggregator(_custom(shrunk, robust=False), m=7, f=1)


def test_negative_control_false_robustness_claim_is_caught() -> None:
    with pytest.raises(ConformanceError, match="non-finite output"):
        check_aggregator(_custom(A.mean, robust=True), m=7, f=1)


def test_negative_control_inexact_batching_is_caught() -> None:
    def batch_sensitive(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.asarray(x.mean(axis=-2) + 1e-3 * x.ndim)

    with pytest.raises(ConformanceError, match="A\\(x\\[None\\]\\)\\[0\\] != A\\(x\\)"):
        check_aggregator(_custom(batch_sensitive, robust=False), m=7, f=1)


def test_worker_arrays_strategy_shapes() -> None:
    from hypothesis import given, settings

    seen: list[tuple[int, ...]] = []

    @settings(max_examples=20)
    @given(worker_arrays(m=(3, 5), d=(2, 2), batch=(2,)))
    def collect(x: np.ndarray) -> None:
        assert x.dtype == np.float64 and np.all(np.isfinite(x))
        seen.append(x.shape)

    collect()
    assert seen and all(s[0] == 2 and 3 <= s[1] <= 5 and s[2] == 2 for s in seen)
