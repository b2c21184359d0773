"""sco.simulate: identities, seeds, non-finite attacks, validation."""

from __future__ import annotations

import numpy as np
import pytest

import problems
import sco

QUAD = problems.Quadratic.random(6, sigma=1.0, rng=3)


def test_m_workers_with_the_mean_equal_one_worker_with_m_times_the_samples() -> None:
    """Logistic with batch 1 and m workers drawing (m, 1) indices vs one worker with batch m
    drawing (1, m): the same stream gives the same indices, and every estimator here is linear
    in the gradients, so the mean of the m messages is the single worker's message."""
    many = problems.Logistic.synthetic(200, 4, batch=1, rng=1)
    one = problems.Logistic.synthetic(200, 4, batch=4, rng=1)
    for est in ("sgd", "momentum(beta=0.8)", "mu2sgd"):
        kw = dict(aggregator="mean", attack=None, estimator=est, f=0, T=40, lr=0.05, seeds=3, rng=2)
        a = sco.simulate(many, m=4, **kw)  # type: ignore[arg-type]
        b = sco.simulate(one, m=1, **kw)  # type: ignore[arg-type]
        np.testing.assert_allclose(a.x_final, b.x_final, rtol=1e-12, atol=1e-14)
        for name in ("subopt", "est_err", "dist"):
            np.testing.assert_allclose(a[name], b[name], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    ("problem", "agg", "atk"),
    [
        (QUAD, "ctma(cwtm)", "alie"),
        (problems.LeastSquares.random(5, rng=4), "bucketing(ctma(gm))", "gaussian"),
        (problems.Logistic.synthetic(100, 3, batch=2, rng=5), "nnm(krum)", "adaptive"),
    ],
)
def test_seed_is_bit_identical_alone_in_a_batch_and_on_rerun(problem, agg: str, atk: str) -> None:  # type: ignore[no-untyped-def]
    kw = dict(aggregator=agg, attack=atk, estimator="mu2sgd", m=11, f=2, T=25, lr=0.02, rng=9)
    alone = sco.simulate(problem, seeds=[4], **kw)
    batch = sco.simulate(problem, seeds=6, **kw)
    other = sco.simulate(problem, seeds=[7, 4, 1], **kw)
    rerun = sco.simulate(problem, seeds=[4], **kw)
    for t in (batch.select(4), other.select(1), rerun):
        np.testing.assert_array_equal(t.x_final, alone.x_final)
        for name in alone.metrics:
            np.testing.assert_array_equal(t[name], alone[name])
    assert not np.array_equal(batch.x_final[0], batch.x_final[1])  # seeds differ
    shifted = sco.simulate(problem, seeds=[4], **{**kw, "rng": 10})
    assert not np.array_equal(shifted.x_final, alone.x_final)  # the root rng matters


def test_nan_and_inf_attacks_flag_the_mean_and_spare_ctma() -> None:
    for atk in ("nan", "inf", "huge"):
        kw = dict(attack=atk, estimator="sgd", m=7, f=2, T=30, lr=0.1, seeds=4)
        mean = sco.simulate(QUAD, aggregator="mean", **kw)  # type: ignore[arg-type]
        if atk == "huge":  # finite: the mean is dragged to the boundary of K, not to NaN
            assert not mean.diverged.any()
            assert np.all(np.linalg.norm(mean.x_final - QUAD.center, axis=1) > 0.99 * QUAD.radius)
        else:
            assert mean.diverged.all()
            assert np.isnan(mean.x_final).all() and np.isnan(mean["subopt"][:, -1]).all()
        robust = sco.simulate(QUAD, aggregator="ctma(cwtm)", **kw)  # type: ignore[arg-type]
        assert not robust.diverged.any()
        assert np.isfinite(robust.x_final).all()
        for name in robust.metrics:
            assert np.isfinite(robust[name]).all(), (atk, name)


def test_divergence_of_some_seeds_leaves_the_others_untouched() -> None:
    """An attack that sends NaN only where the honest mean's first coordinate is positive
    poisons some seeds; they are flagged, the run does not raise, and every other seed is
    bit-identical to its run with an attack that never fires."""

    def nan_if_positive(honest: np.ndarray, *, f: int) -> np.ndarray:
        fire = honest.mean(axis=-2)[..., 0] > 0.9  # fires in 3 of these 12 seeds
        out = np.repeat(honest.mean(axis=-2)[..., None, :], f, axis=-2)
        return np.where(fire[..., None, None], np.nan, out)

    def never(honest: np.ndarray, *, f: int) -> np.ndarray:
        return np.repeat(honest.mean(axis=-2)[..., None, :], f, axis=-2)

    kw = dict(aggregator="mean", estimator="sgd", m=5, f=1, T=40, lr=0.1, seeds=12, rng=3)
    bad = sco.simulate(
        QUAD, attack=sco.attacks.Attack("nan_if_positive", nan_if_positive, {}), **kw
    )
    good = sco.simulate(QUAD, attack=sco.attacks.Attack("never", never, {}), **kw)
    assert 0 < bad.diverged.sum() < 12
    ok = ~bad.diverged
    # seeds that never saw a NaN follow the clean trajectory exactly
    clean = ok & np.isfinite(bad["subopt"]).all(axis=1)
    assert clean.any()
    np.testing.assert_array_equal(bad.x_final[clean], good.x_final[clean])
    assert np.isnan(bad.x_final[bad.diverged]).all()


def test_label_flip_runs_the_honest_estimator_on_flipped_labels() -> None:
    lg = problems.Logistic.synthetic(150, 3, rng=6)
    tr = sco.simulate(
        lg,
        aggregator="mean",
        attack=None,
        byzantine_data="label_flip",
        estimator="sgd",
        m=4,
        f=1,
        T=200,
        lr=0.5,
        seeds=4,
        rng=1,
    )
    clean = sco.simulate(
        lg, aggregator="mean", attack=None, estimator="sgd", m=3, f=0, T=200, lr=0.5, seeds=4, rng=1
    )
    assert tr["subopt"][:, -1].mean() > 2 * clean["subopt"][:, -1].mean()
    # a flipped row's gradient differs from the honest one by exactly y_i a_i:
    # y a s(y aᵀx) − (−y a s(−y aᵀx)) = y a (s(m) + s(−m)) = y a
    z = np.arange(150)[:, None]
    x = lg.x0 + 0.4
    np.testing.assert_allclose(
        lg.stoch_grad_flipped(x, z) - lg.stoch_grad(x, z),
        lg.labels[:, None] * lg.features,
        rtol=1e-12,
        atol=1e-12,
    )


def test_trace_shapes_and_checkpoints() -> None:
    tr = sco.simulate(
        QUAD,
        aggregator="cwmed",
        attack="sign_flip",
        estimator="mu2sgd",
        m=9,
        f=2,
        T=1000,
        lr=0.01,
        seeds=5,
        record=("subopt", "dist"),
    )
    assert tr.steps[0] == 1 and tr.steps[-1] == 1000 and 40 <= tr.steps.size <= 50
    assert set(tr.metrics) == {"subopt", "dist"} and tr["subopt"].shape == (5, tr.steps.size)
    assert tr.x_final.shape == (5, 6) and tr.seeds.tolist() == [0, 1, 2, 3, 4]
    assert tr.config["aggregator"] == "cwmed" and tr.config["estimator"] == "mu2sgd"
    assert tr.versions["byzsco"] == sco.__version__
    with pytest.raises(KeyError, match="no metric 'agg_err'"):
        tr["agg_err"]


@pytest.mark.parametrize(
    ("kw", "pattern"),
    [
        ({"m": 0}, r"^m must be an integer >= 1"),
        ({"f": 9}, r"^f must satisfy 0 <= f < m = 9"),
        ({"f": -1}, r"^f must be an integer >= 0"),
        ({"T": 0}, r"^T must be an integer >= 1"),
        ({"lr": 0.0}, r"^lr must be a finite number > 0"),
        ({"lr": float("inf")}, r"^lr must be a finite number > 0"),
        ({"f": 5}, r"^aggregator cwtm needs m >= 11 for f = 5; got m = 9"),
        ({"attack": None}, r"^attack must be given when f > 0"),
        ({"attack": "alei"}, r"^unknown attack 'alei'.*'alie'"),
        ({"estimator": "mu2sgdd"}, r"^unknown estimator 'mu2sgdd'.*'mu2sgd'"),
        ({"estimator": "momentum(beta=2)"}, r"^beta must be a number in \[0, 1\]"),
        ({"seeds": 0}, r"^seeds must be an integer >= 1"),
        ({"seeds": [-1]}, r"^seeds must be a count"),
        ({"record": ("subopt", "loss")}, r"^record must name metrics.*\['loss'\]"),
        ({"checkpoints": [0, 5]}, r"^checkpoints must be steps in \[1, T = 20\]"),
        (
            {"byzantine_data": "label_flip"},
            r"^byzantine_data='label_flip' needs a problem with labels",
        ),
        ({"byzantine_data": "flip"}, r"^byzantine_data must be None or one of"),
        ({"rng": -3}, r"^rng must be a non-negative integer seed"),
    ],
)
def test_bad_arguments_get_one_line_errors(kw: dict, pattern: str) -> None:  # type: ignore[type-arg]
    base = dict(aggregator="cwtm", attack="alie", estimator="sgd", m=9, f=2, T=20, lr=0.1)
    with pytest.raises(ValueError, match=pattern) as info:
        sco.simulate(QUAD, **{**base, **kw})  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_seed_stack_rows_are_the_per_seed_streams() -> None:
    from sco.seeds import SeedStack

    def gens() -> list[np.random.Generator]:
        return [np.random.default_rng(s) for s in (3, 4, 5)]

    stack = SeedStack(gens())
    draws = {
        "random": stack.random((3, 2)),
        "standard_normal": stack.standard_normal((3, 4)),
        "normal": stack.normal(1.0, 2.0, (3, 2)),
        "integers": stack.integers(0, 10, (3, 5)),
    }
    g = gens()
    expected = {
        "random": [x.random(2) for x in g],
        "standard_normal": [x.standard_normal(4) for x in g],
        "normal": [x.normal(1.0, 2.0, 2) for x in g],
        "integers": [x.integers(0, 10, 5) for x in g],
    }
    for name, value in draws.items():
        np.testing.assert_array_equal(value, np.stack(expected[name]), err_msg=name)
    with pytest.raises(ValueError, match="leading seed axis of 3"):
        stack.random((2, 2))
