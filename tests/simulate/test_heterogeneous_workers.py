"""Heterogeneous workers in ``sco.simulate`` (docs/theory.md §7): honest worker i runs its own
objective, ``gd`` sends exact gradients, ``copy_cluster`` / ``anti_sign`` attacks and
``byzantine_data="own"``; seed identity and batching are kept. Checked against loops written
from the definitions, never against the simulator's own output."""

from __future__ import annotations

import numpy as np
import pytest

import problems
import sco
from sco.attacks import anti_sign, copy_cluster

HQ = problems.HeterogeneousQuadratic


def _instance(h: int = 6, d: int = 3, sigma: float = 0.0, seed: int = 0) -> HQ:
    return HQ.random(h, d, rng=np.random.default_rng(seed), sigma=sigma, c_scale=2.0)


def _cwmed(x: np.ndarray) -> np.ndarray:
    return np.median(x, axis=0)


def test_gd_is_robust_gradient_descent_on_each_workers_own_gradient() -> None:
    """x_{t+1} = Π(x_t − η·median_i ∇f_i(x_t)) by hand; the median (not the mean) tells a run
    on the workers' own objectives from one on f_H for every worker."""
    p = _instance()
    m, f, T, lr = 6, 0, 25, 0.3
    tr = sco.simulate(p, aggregator="cwmed", attack=None, estimator="gd", m=m, f=f, T=T, lr=lr)
    x = np.array(p.x0)
    for _ in range(T - 1):
        grads = np.stack([p.a[i] * (x - p.c[i]) for i in range(p.h)])
        x = p.project(x - lr * _cwmed(grads))
    np.testing.assert_allclose(tr.x_final[0], x, rtol=1e-12, atol=1e-14)


def test_sgd_workers_draw_their_own_noise_around_their_own_gradient() -> None:
    """One step of SGD from x_1 with the mean and f = 0: d̂_1 − ∇f_H(x_1) is the mean of h
    independent N(0, σ²/d·I) draws, so its squared norm averages σ²/h over seeds."""
    p = _instance(h=5, d=4, sigma=2.0, seed=1)
    tr = sco.simulate(
        p,
        aggregator="mean",
        attack=None,
        estimator="sgd",
        m=5,
        f=0,
        T=1,
        lr=0.1,
        seeds=4000,
        rng=np.random.default_rng(3),
        record=("est_err",),
    )
    err = tr["est_err"][:, 0]
    se = err.std() / np.sqrt(err.size)
    assert abs(err.mean() - p.sigma2 / p.h) < 4 * se


def test_seed_is_bit_identical_alone_and_in_a_batch() -> None:
    p = _instance(h=5, d=2, sigma=1.0, seed=2)
    kw = dict(aggregator="cwtm", attack="alie", estimator="mu2sgd", m=7, f=2, T=30, lr=0.05, rng=5)
    batch = sco.simulate(p, seeds=[0, 1, 2, 3], **kw)
    alone = sco.simulate(p, seeds=[2], **kw)
    np.testing.assert_array_equal(batch.x_final[2], alone.x_final[0])
    np.testing.assert_array_equal(batch["subopt"][2], alone["subopt"][0])


def test_gd_draws_no_samples_and_is_deterministic() -> None:
    p = _instance(sigma=3.0)
    kw = dict(aggregator="cwtm", attack="sign_flip", estimator="gd", m=8, f=2, T=20, lr=0.4)
    a = sco.simulate(p, seeds=3, rng=1, **kw)
    b = sco.simulate(p, seeds=3, rng=99, **kw)
    np.testing.assert_array_equal(a.x_final, b.x_final)
    assert np.all(a.x_final == a.x_final[0])


def test_gd_on_identical_workers_is_gradient_descent() -> None:
    q = problems.Quadratic.random(3, cond=4.0, sigma=1.0, rng=0)
    tr = sco.simulate(
        q, aggregator="cwtm", attack="sign_flip", estimator="gd", m=5, f=1, T=10, lr=0.2
    )
    x = np.array(q.x0)
    for _ in range(9):  # trimming 1 of 4 equal gradients and 1 Byzantine −g leaves g
        x = q.project(x - 0.2 * q.grad(x))
    np.testing.assert_allclose(tr.x_final[0], x, rtol=1e-12, atol=1e-14)


def test_h1_scenarios_give_identical_outputs_with_own_byzantine_objectives() -> None:
    m, f, a = 9, 2, 1.5
    s1, s2 = HQ.h1_scenarios(m, f, a, x0=-1.0)
    outs = []
    for prob, kw in (
        (s1, {"byzantine_data": "own", "attack": None}),
        (s2, {"attack": "copy_cluster"}),
    ):
        tr = sco.simulate(
            prob, aggregator="cwtm", estimator="momentum(beta=0.5)", m=m, f=f, T=40, lr=0.5, **kw
        )
        outs.append(float(tr.x_final[0, 0]))
    assert abs(outs[0] - outs[1]) <= 1e-12
    # a Byzantine group that does NOT hold scenario 2's objectives changes the mean's output
    same = sco.simulate(
        s1,
        aggregator="mean",
        estimator="gd",
        m=m,
        f=f,
        T=40,
        lr=0.5,
        byzantine_data="own",
        attack=None,
    )
    bad = s1.with_byzantine(np.ones(f), np.full((f, 1), 2 * a))
    tr = sco.simulate(
        bad,
        aggregator="mean",
        estimator="gd",
        m=m,
        f=f,
        T=40,
        lr=0.5,
        byzantine_data="own",
        attack=None,
    )
    assert abs(float(tr.x_final[0, 0]) - float(same.x_final[0, 0])) > 1e-3


def test_h2_fixed_point_of_cwtm_under_copy_cluster_is_zero() -> None:
    """docs/theory.md §7: CWTM on scenario 2 with the c = 0 cluster copied returns x exactly,
    so GD with η = 1 jumps to the fixed point 0, where ‖∇f_H‖² = (fa/(m − f))² = q·G²."""
    m, f, a = 11, 3, 2.0
    _, s2 = HQ.h1_scenarios(m, f, a, x0=-3.0)
    tr = sco.simulate(
        s2, aggregator="cwtm", attack="copy_cluster", estimator="gd", m=m, f=f, T=5, lr=1.0
    )
    assert tr.x_final[0, 0] == 0.0
    grad2 = float(s2.grad(tr.x_final[0])[0] ** 2)
    q = f / (m - 2 * f)
    assert grad2 == pytest.approx(q * s2.G2(0.0), rel=1e-12)
    assert grad2 == pytest.approx((f * a / (m - f)) ** 2, rel=1e-12)


def test_copy_cluster_rows_and_errors() -> None:
    honest = np.arange(2 * 5 * 3, dtype=float).reshape(2, 5, 3)
    out = copy_cluster(honest, f=4, first=1, count=2)
    np.testing.assert_array_equal(out, honest[:, [1, 2, 1, 2], :])
    np.testing.assert_array_equal(copy_cluster(honest, f=2), honest[:, [0, 1], :])
    np.testing.assert_array_equal(copy_cluster(honest, f=3, first=3), honest[:, [3, 4, 3], :])
    out[0, 0, 0] = -1.0
    assert honest[0, 1, 0] == 3.0  # a copy, not a view
    with pytest.raises(ValueError, match=r"^first must be an honest worker index in \[0, 4\]"):
        copy_cluster(honest, f=2, first=5)
    with pytest.raises(ValueError, match=r"^count must be an integer in \[1, h - first = 2\]"):
        copy_cluster(honest, f=2, first=3, count=3)


def test_anti_sign_pushes_against_the_honest_mean_per_coordinate() -> None:
    honest = np.array([[[1.0, -2.0, 0.0], [3.0, -1.0, 0.0]]])
    out = anti_sign(honest, f=2, value=5.0)
    np.testing.assert_array_equal(out, np.array([[[-5.0, 5.0, -0.0]] * 2]))
    with pytest.raises(ValueError, match=r"^value must be a finite number > 0"):
        anti_sign(honest, f=1, value=float("inf"))


def test_h3_cwtm_under_anti_sign_contracts_by_one_minus_c() -> None:
    """Below the breakdown point CWTM returns the mean of the small-curvature gradients, c·x:
    x_{t+1} = (1 − c)x_t exactly (η = 1); the mean does not."""
    m, f, B2 = 10, 2, 1.0
    p = HQ.two_point(m, f, B2, x0=1.0)
    c = 1.0 - np.sqrt(B2 * f / (m - 2 * f))
    tr = sco.simulate(
        p, aggregator="cwtm", attack="anti_sign", estimator="gd", m=m, f=f, T=6, lr=1.0
    )
    assert tr.x_final[0, 0] == pytest.approx((1 - c) ** 5, rel=1e-12)
    top = HQ.two_point(m, f, (m - 2 * f) / f, x0=0.7)  # c = 0: no progress at all
    tr = sco.simulate(
        top, aggregator="cwtm", attack="anti_sign", estimator="gd", m=m, f=f, T=50, lr=1.0
    )
    assert tr.x_final[0, 0] == 0.7


@pytest.mark.parametrize(
    ("kw", "pattern"),
    [
        ({"m": 9, "f": 2}, r"^m - f must equal problem.h = 6 .*; got m - f = 7$"),
        (
            {"m": 8, "f": 2, "byzantine_data": "sign_flip", "attack": None},
            r"^byzantine_data='sign_flip' needs identical workers",
        ),
        (
            {"m": 8, "f": 2, "byzantine_data": "own", "attack": None},
            r"^byzantine_data='own' needs a problem whose .byzantine holds f = 2",
        ),
    ],
)
def test_bad_heterogeneous_arguments_get_one_line_errors(kw: dict, pattern: str) -> None:  # type: ignore[type-arg]
    p = _instance(h=6)
    args = dict(aggregator="cwtm", attack="alie", estimator="gd", T=3, lr=0.1)
    args.update(kw)
    with pytest.raises(ValueError, match=pattern) as info:
        sco.simulate(p, **args)
    assert "\n" not in str(info.value)


def test_label_flip_with_gd_is_refused() -> None:
    p = problems.Logistic.synthetic(60, 3, rng=0)
    with pytest.raises(ValueError, match=r"^byzantine_data='label_flip' needs a sampling"):
        sco.simulate(
            p,
            aggregator="cwtm",
            attack=None,
            estimator="gd",
            m=5,
            f=1,
            T=3,
            lr=0.1,
            byzantine_data="label_flip",
        )


def test_storm_uses_each_workers_same_sample_at_both_points() -> None:
    """Lemma E's equality case (docs/theory.md §4) per worker: with additive noise the STORM
    error of each worker is σ²/t exactly, so the mean of h workers has E‖d̂_t − ∇f_H‖² =
    σ²/(h t). Fresh samples at the previous point would make it grow instead."""
    p = _instance(h=4, d=3, sigma=1.5, seed=4)
    steps = [1, 4, 16]
    tr = sco.simulate(
        p,
        aggregator="mean",
        attack=None,
        estimator="mu2sgd",
        m=4,
        f=0,
        T=16,
        lr=0.01,
        seeds=3000,
        rng=np.random.default_rng(8),
        record=("est_err",),
        checkpoints=steps,
    )
    for j, t in enumerate(steps):
        err = tr["est_err"][:, j]
        se = err.std() / np.sqrt(err.size)
        assert abs(err.mean() - p.sigma2 / (p.h * t)) < 4 * se, t
