"""Seed k's trajectory is bit-identical alone, in any batch and on rerun (docs/architecture.md
§2), with BLAS in the oracles and in the sampler (d = 100)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import problems
import sco
from sco.sampling import BlockSampler, block_length
from sco.seeds import seed_generators

D = 100
# A start x0 ≠ 0: in a batch the first iterate is a Fortran-ordered [S, d] array (its rows are
# strided), alone it is C-ordered; an oracle whose rounding follows the layout (a BLAS dot with a
# strided vector, einsum's contiguous and strided loops) then breaks the identity at step 1,
# which x0 = 0 would hide.
X0 = 0.1 * np.random.default_rng(10).standard_normal(D)


def _least_squares() -> problems.BallProblem:
    p = problems.LeastSquares.random(D, rng=11)
    return problems.LeastSquares(p.cov, p.x_star, x0=X0)


def _quadratic() -> problems.BallProblem:
    p = problems.Quadratic.random(D, sigma=2.0, rng=12)
    return problems.Quadratic(p.A, p.x_star, sigma=2.0, x0=X0)


def _logistic() -> problems.BallProblem:
    p = problems.Logistic.synthetic(400, D, batch=3, rng=13)
    return problems.Logistic(p.features, p.labels, reg=p.reg, batch=3, x0=X0)


BUILD: dict[str, Callable[[], problems.BallProblem]] = {
    "least_squares": _least_squares,
    "quadratic": _quadratic,
    "logistic": _logistic,
}
RECORD = ("subopt", "agg_err", "est_err", "honest_spread", "dist", "x", "w")
# m = 17, f = 4: 13 honest workers; T = 70 spans several sample blocks (least squares: K = 24)
KW: dict[str, Any] = dict(
    aggregator="ctma(cwtm)", attack="alie", estimator="mu2sgd", m=17, f=4, T=70, lr=0.02, rng=5
)


@pytest.fixture(scope="module", params=sorted(BUILD))
def problem(request: pytest.FixtureRequest) -> problems.BallProblem:
    return BUILD[request.param]()


def assert_same_seed(a: sco.Trace, b: sco.Trace) -> None:
    """Everything a one-seed trace holds, bit for bit."""
    np.testing.assert_array_equal(a.x_final, b.x_final)
    np.testing.assert_array_equal(a.diverged, b.diverged)
    assert sorted(a.metrics) == sorted(b.metrics)
    for name in a.metrics:
        np.testing.assert_array_equal(a[name], b[name])
    assert sorted(a.iterates) == sorted(b.iterates)
    for name in a.iterates:
        np.testing.assert_array_equal(a.iterates[name], b.iterates[name])


@pytest.mark.parametrize("k", [0, 4])
def test_seed_alone_equals_seed_in_batches_and_rerun(problem: problems.BallProblem, k: int) -> None:
    alone = sco.simulate(problem, seeds=[k], record=RECORD, **KW)
    in_range = sco.simulate(problem, seeds=range(5), record=RECORD, **KW)
    in_other = sco.simulate(problem, seeds=[7, k, 3], record=RECORD, **KW)
    rerun = sco.simulate(problem, seeds=[k], record=RECORD, **KW)
    for t in (in_range.select(k), in_other.select(1), rerun):
        assert_same_seed(t, alone)
    assert np.all(np.isfinite(alone.x_final)) and not alone.diverged.any()
    # the seeds of a batch do differ, and so does seed k under another root rng
    assert not np.array_equal(in_range.x_final[0], in_range.x_final[1])
    other_root = sco.simulate(problem, seeds=[k], record=RECORD, **{**KW, "rng": 6})
    assert not np.array_equal(other_root.x_final, alone.x_final)


def test_label_flipping_seed_is_bit_identical() -> None:
    """Byzantine workers with their own sample stream (label flipping) keep the identity."""
    p = BUILD["logistic"]()
    kw = dict(KW, attack=None, byzantine_data="label_flip", record=RECORD)
    alone = sco.simulate(p, seeds=[2], **kw)
    batch = sco.simulate(p, seeds=[5, 0, 2, 9], **kw)
    assert_same_seed(batch.select(2), alone)


def test_block_sampler_streams_do_not_depend_on_the_batch(problem: problems.BallProblem) -> None:
    """Step by step, seed k's samples from BlockSampler are the same bits alone and beside
    other seeds, and the block length depends on one step's sample size only."""
    h, steps = 13, 60
    alone_gens = seed_generators(3, [4])["honest"]
    batch_gens = seed_generators(3, [1, 4, 8])["honest"]
    alone, batch = BlockSampler(problem, alone_gens, h), BlockSampler(problem, batch_gens, h)
    assert (
        alone.block
        == batch.block
        == block_length(problem.sample(np.random.default_rng(), h).nbytes)
    )
    for _ in range(steps):
        a, b = alone(), batch()
        assert a.shape[0] == 1 and b.shape[0] == 3
        np.testing.assert_array_equal(a[0], b[1])


def test_block_length_is_a_function_of_the_step_size_only() -> None:
    assert block_length(13 * 101 * 8) == 24  # least squares, d = 100, 13 workers: ≈ 256 KiB
    assert block_length(1) == 64 and block_length(10**9) == 1
    assert all(1 <= block_length(n) <= 64 for n in (1, 100, 4096, 10**5, 10**7))


def test_negative_control_a_batch_dependent_oracle_is_caught() -> None:
    """The comparison above would see an oracle whose rounding depends on the batch: here
    ``stoch_grad`` adds ε·S (S = seeds in the call), invisible to any tolerance check."""
    base = BUILD["quadratic"]()

    class BatchDependent:
        def __init__(self, p: problems.BallProblem) -> None:
            self._p = p

        def __getattr__(self, name: str) -> Any:
            return getattr(self._p, name)

        def stoch_grad(self, x: np.ndarray, samples: np.ndarray) -> np.ndarray:
            g: np.ndarray = self._p.stoch_grad(x, samples)
            return g * (1.0 + 1e-16 * x.shape[0])

    p = BatchDependent(base)
    alone = sco.simulate(p, seeds=[1], record=RECORD, **KW)  # type: ignore[arg-type]
    batch = sco.simulate(p, seeds=range(5), record=RECORD, **KW)  # type: ignore[arg-type]
    np.testing.assert_allclose(batch.select(1).x_final, alone.x_final, rtol=1e-12)
    with pytest.raises(AssertionError):
        assert_same_seed(batch.select(1), alone)
