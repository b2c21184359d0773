"""The public contract of ``sco.simulate`` (docs/architecture.md §2): any ``rng`` that
``np.random.default_rng`` accepts, plug-ins as plain callables, ``lr="theory"``, a config that
reruns the trace bit for bit, ``Trace.to_frame``, and the sign flip of the authors' code."""

from __future__ import annotations

import json

import numpy as np
import pytest

import problems
import sco

QUAD = problems.Quadratic.random(5, cond=3, sigma=0.4, rng=21)
BASE = dict(aggregator="cwtm", attack="alie", estimator="mu2sgd", m=9, f=2, T=60, lr=0.05)


def run(**kw: object) -> sco.Trace:
    return sco.simulate(QUAD, **{**BASE, "seeds": 3, **kw})  # type: ignore[arg-type]


def same(a: sco.Trace, b: sco.Trace) -> None:
    for name in a.metrics:
        np.testing.assert_array_equal(a[name], b[name])
    np.testing.assert_array_equal(a.x_final, b.x_final)


@pytest.mark.parametrize(
    "make_rng",
    [
        lambda: 5,
        lambda: [5, 6],
        lambda: np.random.SeedSequence(5),
        lambda: np.random.SeedSequence(5).spawn(3)[2],
        lambda: np.random.PCG64(5),
        lambda: np.random.default_rng(5),
        lambda: np.random.Generator(np.random.Philox(9)),
        lambda: None,
    ],
    ids=[
        "int",
        "int-list",
        "SeedSequence",
        "spawned",
        "BitGenerator",
        "Generator",
        "Philox",
        "None",
    ],
)
def test_any_rng_reruns_bit_identically_from_the_recorded_config(make_rng) -> None:  # type: ignore[no-untyped-def]
    tr = run(rng=make_rng())
    json.dumps(tr.config["rng"])  # a plain, storable value
    again = sco.simulate(QUAD, **tr.arguments())
    same(tr, again)
    assert again.config == tr.config


def test_rng_forms_with_the_same_entropy_agree_and_different_entropy_differs() -> None:
    a = run(rng=5)
    same(a, run(rng=np.random.default_rng(5)))
    same(a, run(rng=np.random.SeedSequence(5)))
    assert not np.array_equal(a["subopt"], run(rng=6)["subopt"])
    assert not np.array_equal(run(rng=None)["subopt"], run(rng=None)["subopt"])  # fresh entropy


def test_bucketing_accepts_an_int_rng_like_everything_else() -> None:
    from sco import aggregators as A

    x = np.random.default_rng(0).standard_normal((9, 3))
    np.testing.assert_array_equal(
        A.bucketing(x, f=2, base="cwtm", rng=4),
        A.bucketing(x, f=2, base="cwtm", rng=np.random.default_rng(4)),
    )


def test_plain_callables_for_aggregator_attack_and_estimator() -> None:
    def mean_rule(x: np.ndarray, *, f: int) -> np.ndarray:
        return x.mean(axis=-2)

    def push(honest: np.ndarray, *, f: int) -> np.ndarray:
        return np.repeat(-honest.mean(axis=-2, keepdims=True), f, axis=-2)

    tr = run(aggregator=mean_rule, attack=push, estimator=sco.estimators.sgd)
    ref = run(aggregator="mean", attack="sign_flip", estimator="sgd")
    same(tr, ref)
    assert tr.config["aggregator"] is mean_rule and tr.config["attack"] is push
    assert tr.config["estimator"] == "sgd"
    same(tr, sco.simulate(QUAD, **tr.arguments()))
    with pytest.raises(ValueError, match=r"^estimator factory .* not an Estimator"):
        run(estimator=lambda: 3)
    with pytest.raises(ValueError, match=r"^attack must be a spec string, an Attack or a callable"):
        run(attack=3)


def test_plain_attack_that_names_rng_and_aggregator_gets_them() -> None:
    seen: dict[str, object] = {}

    def probe(honest: np.ndarray, *, f: int, rng: object, aggregator: object) -> np.ndarray:
        seen["rng"], seen["aggregator"] = rng, aggregator
        return np.zeros((*honest.shape[:-2], f, honest.shape[-1]))

    run(attack=probe, T=2)
    assert hasattr(seen["rng"], "standard_normal") and seen["aggregator"].spec == "cwtm"  # type: ignore[attr-defined]


def test_lr_theory_is_one_over_8_l_t_and_is_recorded() -> None:
    tr = run(lr="theory", T=40)
    eta = 1.0 / (8.0 * QUAD.L * 40)
    assert tr.config["lr"] == eta and tr.config["lr_rule"] == "theory"
    same(tr, run(lr=eta, T=40))
    with pytest.raises(ValueError, match=r'^lr must be a finite number > 0 or "theory"'):
        run(lr="paper")


def test_to_frame_is_the_long_form_of_sweep_load() -> None:
    tr = run(record=("subopt", "dist"), checkpoints=[1, 10, 60])
    df = tr.to_frame()
    assert len(df) == 2 * 3 * 3
    for col in ("seed", "step", "metric", "value", "diverged", "eta", "aggregator", "m", "f"):
        assert col in df.columns
    row = df[(df.metric == "dist") & (df.seed == 2) & (df.step == 10)]
    assert row.value.item() == tr["dist"][2, 1]
    assert set(df.aggregator) == {"cwtm"} and set(df.eta) == {0.05}


def test_sign_flip_data_negates_each_byzantine_workers_own_estimator() -> None:
    """docs/theory.md §8: every Byzantine worker runs the honest estimator on its own samples and
    sends the negation. With one honest worker, two Byzantine ones and the mean,
    d̂_1 = (d_h − d_b1 − d_b2)/3, each rebuilt by hand from its stream."""
    from sco.seeds import seed_generators

    p = problems.Quadratic([[1.0]], [0.3], sigma=0.5, radius=5.0)
    tr = sco.simulate(
        p,
        aggregator="mean",
        attack=None,
        byzantine_data="sign_flip",
        estimator="sgd",
        m=3,
        f=2,
        T=2,
        lr=0.1,
        rng=4,
        record=("x",),
        checkpoints=[1, 2],
    )
    g = seed_generators(4, [0])
    zh = p.sample(g["honest"][0], (1, 1))[0]
    zb = p.sample(g["byzantine"][0], (1, 2))[0]
    x1 = 0.0
    honest = p.stoch_grad(np.array([[x1]]), zh)[0, 0]
    byz = p.stoch_grad(np.array([[x1]]), zb)[:, 0]
    d_hat = (honest - byz.sum()) / 3
    assert tr.iterates["x"][0, 1, 0] == pytest.approx(x1 - 0.1 * d_hat, rel=1e-14)
    with pytest.raises(ValueError, match=r"^give either attack or byzantine_data='sign_flip'"):
        sco.simulate(p, **{**BASE, "byzantine_data": "sign_flip"})  # type: ignore[arg-type]


def test_every_public_rng_takes_what_default_rng_accepts() -> None:
    """An int, a SeedSequence, a BitGenerator or a Generator give the same draws as
    ``np.random.default_rng`` of it: attacks, the robustness searches and bucketing."""
    from sco import robustness

    honest = np.random.default_rng(1).standard_normal((7, 3))
    gaussian = sco.attacks.make("gaussian")
    for form in (11, np.random.SeedSequence(11), np.random.PCG64(11)):
        np.testing.assert_array_equal(
            gaussian(honest, f=2, rng=form), gaussian(honest, f=2, rng=np.random.default_rng(11))
        )
    a = robustness.search_worst("cwtm", 9, 2, 3, rng=5, n=8, iters=2, polish=1)
    b = robustness.search_worst(
        "cwtm", 9, 2, 3, rng=np.random.default_rng(5), n=8, iters=2, polish=1
    )
    assert a.ratio == b.ratio
    with pytest.raises(ValueError, match=r"^rng must be anything np.random.default_rng accepts"):
        gaussian(honest, f=2, rng="seed")
