"""The conformance suites of sco.testing pass on built-in plug-ins and fail, naming the right
check, on planted broken ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import problems
import sco
from sco.estimators import Estimator, Message, WorkerEstimator, anytime, sgd
from sco.testing import (
    Check,
    ConformanceError,
    Report,
    check_aggregator,
    check_attack,
    check_estimator,
    check_problem,
)

# ------------------------------------------------------------------------- references (maths)


def _sgd_ref(oracle: Any, x0: np.ndarray, *, lr: float, steps: int, project: Any) -> Any:
    """d_t = g(x_t; z_t), x_{t+1} = Π(x_t − η d_t)."""
    x, ds, xs = x0, [], [x0]
    for t in range(1, steps + 1):
        d = oracle(x, t)
        x = project(x - lr * d)
        ds.append(d)
        xs.append(x)
    return ds, xs


def _momentum_ref(beta: float) -> Any:
    def ref(oracle: Any, x0: np.ndarray, *, lr: float, steps: int, project: Any) -> Any:
        """d_1 = g_1, d_t = β d_{t−1} + (1 − β) g_t, x_{t+1} = Π(x_t − η d_t)."""
        x, d, ds, xs = x0, None, [], [x0]
        for t in range(1, steps + 1):
            g = oracle(x, t)
            d = g if d is None else beta * d + (1 - beta) * g
            x = project(x - lr * d)
            ds.append(d)
            xs.append(x)
        return ds, xs

    return ref


def _mu2sgd_ref(oracle: Any, x0: np.ndarray, *, lr: float, steps: int, project: Any) -> Any:
    """STORM with β_t = 1/t; w_{t+1} = Π(w_t − η t d_t), x_{t+1} = (t x_t + 2 w_{t+1})/(t + 2)."""
    x = w = x0
    x_prev, d, ds, xs = x0, None, [], [x0]
    for t in range(1, steps + 1):
        g = oracle(x, t)
        d = g if d is None else g + (1 - 1 / t) * (d - oracle(x_prev, t))
        x_prev = x
        w = project(w - lr * t * d)
        x = (t * x + 2 * w) / (t + 2)
        ds.append(d)
        xs.append(x)
    return ds, xs


def _failed_check(fn: Any, *args: Any, **kw: Any) -> ConformanceError:
    with pytest.raises(ConformanceError) as info:
        fn(*args, **kw)
    return info.value


# ------------------------------------------------------------------------- passing suites


def test_sco_testing_reachable_after_import_sco() -> None:
    assert sco.testing.check_problem is check_problem


@pytest.mark.parametrize("spec", ["ctma(cwtm)", "gm", "cwtm", "mean", "bucketing(cwmed)"])
def test_builtin_aggregators_conform(spec: str) -> None:
    report = check_aggregator(spec, m=9, f=2, d=3, n_instances=8)
    assert isinstance(report, Report)
    assert {"no-mutation", "batching", "determinism"} <= set(report.checks)
    assert set(report.checks) | set(report.skipped) == {
        "shape",
        "no-mutation",
        "batching",
        "batch-equals-loop",
        "determinism",
        "permutation-invariance",
        "translation-equivariance",
        "non-finite-rows",
        "declared-kappa",
    }
    if spec == "bucketing(cwmed)":  # randomised, no κ declared
        assert "randomised" in report.skipped["permutation-invariance"]
        assert "declared-kappa" in report.skipped
    if spec == "mean":
        assert "not declared" in report.skipped["non-finite-rows"]


def test_plain_callable_reports_skipped_checks_with_reasons() -> None:
    def meamed(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.asarray(np.median(x, axis=-2))

    report = check_aggregator(meamed, m=7, f=1, d=3)
    assert report.skipped.keys() == {
        "translation-equivariance",
        "non-finite-rows",
        "declared-kappa",
    }
    assert "kappa=" in report.skipped["declared-kappa"]
    checks = list(check_aggregator(meamed, generate_only=True))
    assert all(isinstance(c, Check) for c in checks) and len(checks) == 9
    assert checks[-1].run().status == "skipped"


@pytest.mark.parametrize("spec", ["alie", "ipm", "gaussian", "sign_flip", "adaptive"])
def test_builtin_attacks_conform(spec: str) -> None:
    report = check_attack(spec, h=7, f=2, d=3)
    assert report.checks == ("shape", "no-mutation", "batching", "f-zero", "determinism")


@pytest.mark.parametrize(
    ("spec", "reference"),
    [("sgd", _sgd_ref), ("momentum(beta=0.9)", _momentum_ref(0.9)), ("mu2sgd", _mu2sgd_ref)],
)
def test_builtin_estimators_conform_and_match_their_update_equation(
    spec: str, reference: Any
) -> None:
    report = check_estimator(spec, reference=reference)
    assert "update-equation" in report.checks and not report.skipped
    assert "update-equation" in check_estimator(spec).skipped


def test_wrong_reference_is_caught() -> None:
    err = _failed_check(check_estimator, "momentum(beta=0.5)", reference=_momentum_ref(0.9))
    assert err.check == "update-equation"


@pytest.fixture(scope="module")
def builtin_problems() -> list[Any]:
    return [
        problems.Quadratic.random(3, rng=1),
        problems.LeastSquares.random(3, rng=2),
        problems.Logistic.synthetic(200, 3, rng=3, batch=2),
    ]


def test_builtin_problems_conform(builtin_problems: list[Any]) -> None:
    for p in builtin_problems:
        report = check_problem(p)
        assert not report.skipped
        assert {"declared-sigma2", "declared-sigma_L2", "unbiasedness", "block-consistency"} <= set(
            report.checks
        )


# ------------------------------------------------------------------------- planted bugs


def test_mutating_aggregator_fails_no_mutation() -> None:
    def mutating(x: np.ndarray, *, f: int) -> np.ndarray:
        x[..., 0, :] = 0.0
        return np.asarray(x.mean(axis=-2))

    err = _failed_check(check_aggregator, mutating, m=7, f=1)
    assert err.check == "no-mutation" and str(err).startswith("[no-mutation] mutating:")


def test_wrong_shape_attack_fails_shape() -> None:
    def echo(honest: np.ndarray, *, f: int) -> np.ndarray:
        return np.array(honest)  # [..., h, d], not [..., f, d]

    assert _failed_check(check_attack, echo).check == "shape"


def test_mutating_attack_fails_no_mutation() -> None:
    def scaled(honest: np.ndarray, *, f: int) -> np.ndarray:
        honest *= -1.0
        return np.array(honest[..., :f, :])

    assert _failed_check(check_attack, scaled).check == "no-mutation"


def _storm_without_flag() -> Estimator:
    """STORM's update, but uses_previous_point forgotten (False)."""

    def update(state: Message, g: np.ndarray, g_prev: Any, t: int) -> Message:
        return Message(g + (1 - 1 / t) * (state.d - g_prev))

    worker = WorkerEstimator(lambda g: Message(np.array(g)), update, False)
    return Estimator("storm_no_flag", worker, anytime())


def test_forgotten_uses_previous_point_is_caught_early() -> None:
    err = _failed_check(check_estimator, _storm_without_flag())
    assert err.check == "previous-point"
    assert "uses_previous_point" in str(err) and "set it to True" in str(err)


def test_impure_estimator_fails_purity() -> None:
    def update(state: Message, g: np.ndarray, g_prev: Any, t: int) -> Message:
        d = state.d
        d *= 0.5
        d += 0.5 * g
        return Message(d)

    est = Estimator(
        "inplace_ema", WorkerEstimator(lambda g: Message(np.array(g)), update, False), sgd().server
    )
    assert _failed_check(check_estimator, est).check == "purity"


def test_problem_with_too_small_sigma2_fails_declared_sigma2() -> None:
    p = problems.Quadratic.random(3, sigma=1.0, rng=4)
    p.sigma2 = p.sigma2 / 10.0
    err = _failed_check(check_problem, p)
    assert err.check == "declared-sigma2" and "σ²" in str(err)


class _Biased(problems.Quadratic):
    def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
        return super().stoch_grad(x, samples) + 0.2


def test_biased_stoch_grad_fails_unbiasedness() -> None:
    base = problems.Quadratic.random(3, rng=5)
    p = _Biased(base.A, base.x_star, sigma=1.0, radius=base.radius)
    assert _failed_check(check_problem, p).check == "unbiasedness"


def test_block_inconsistent_sampling_fails_block_consistency() -> None:
    class Reversed(problems.Quadratic):
        def sample(self, rng: np.random.Generator, shape: Any = ()) -> np.ndarray:
            return super().sample(rng, shape)[::-1]  # order depends on the block

    base = problems.Quadratic.random(3, rng=6)
    p = Reversed(base.A, base.x_star, radius=base.radius)
    assert _failed_check(check_problem, p).check == "block-consistency"


def test_understated_L_fails_declared_L() -> None:
    p = problems.LeastSquares.random(3, rng=7)
    p.L = 0.5 * p.L
    assert _failed_check(check_problem, p).check == "declared-L"


def test_wrong_stoch_grad_shape_fails_stoch_grad_shape() -> None:
    class Summed(problems.Quadratic):
        def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
            return np.asarray(super().stoch_grad(x, samples).sum(axis=0))  # drops the batch

    base = problems.Quadratic.random(3, rng=8)
    p = Summed(base.A, base.x_star, radius=base.radius)
    assert _failed_check(check_problem, p).check == "stoch-grad-shape"


def test_too_small_sigma_L2_fails_declared_sigma_L2() -> None:
    p = problems.LeastSquares.random(3, rng=9)
    p.sigma_L2 = p.sigma_L2 / 10.0
    assert _failed_check(check_problem, p).check == "declared-sigma_L2"


def test_check_problem_is_reproducible_and_generates_named_checks() -> None:
    p = problems.Logistic.synthetic(100, 2, rng=1)
    names = [c.name for c in check_problem(p, generate_only=True)]
    assert names == [
        "interface",
        "stoch-grad-shape",
        "batch-equals-loop",
        "block-consistency",
        "projection",
        "gradient-consistency",
        "x-star-optimal",
        "declared-L",
        "unbiasedness",
        "declared-sigma2",
        "declared-sigma_L2",
    ]
    assert check_problem(p, rng=3).info("unbiasedness") == check_problem(p, rng=3).info(
        "unbiasedness"
    )
