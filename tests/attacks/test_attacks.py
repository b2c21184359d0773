"""Attacks against their definitions (docs/theory.md §3)."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from sco import aggregators as A
from sco import attacks as T

H = np.random.default_rng(0).standard_normal((13, 5)) + 0.7


def honest_mean(h: np.ndarray) -> np.ndarray:
    return np.array([sum(h[:, j]) / h.shape[0] for j in range(h.shape[1])])


def test_sign_flip_ipm_constant_mimic_by_definition() -> None:
    mu = honest_mean(H)
    np.testing.assert_allclose(T.make("sign_flip")(H, f=3), np.tile(-mu, (3, 1)), rtol=1e-14)
    np.testing.assert_allclose(T.make("ipm")(H, f=3), np.tile(-0.1 * mu, (3, 1)), rtol=1e-14)
    np.testing.assert_allclose(
        T.make("ipm(eps=2.5)")(H, f=2), np.tile(-2.5 * mu, (2, 1)), rtol=1e-14
    )
    np.testing.assert_array_equal(T.make("constant(value=-3)")(H, f=2), np.full((2, 5), -3.0))
    np.testing.assert_array_equal(T.make("mimic(target=4)")(H, f=3), np.tile(H[4], (3, 1)))


@pytest.mark.parametrize(
    ("m", "f"), [(10, 1), (10, 3), (17, 4), (20, 5), (25, 8), (50, 12), (100, 20)]
)
def test_alie_default_z_computed_independently(m: int, f: int) -> None:
    s = int(np.floor(m / 2 + 1)) - f
    z = statistics.NormalDist().inv_cdf((m - s) / m)  # stdlib, not scipy
    assert T.alie_z(m, f) == pytest.approx(z, rel=1e-12, abs=1e-12)


def test_alie_hand_values() -> None:
    # m = 17, f = 4: s = 9 − 4 = 5, z = Φ⁻¹(12/17)
    assert T.alie_z(17, 4) == pytest.approx(0.5414, abs=5e-5)
    # m = 50, f = 12: s = 26 − 12 = 14, z = Φ⁻¹(36/50) = Φ⁻¹(0.72)
    assert T.alie_z(50, 12) == pytest.approx(0.5828, abs=5e-5)


@pytest.mark.parametrize(("m", "f"), [(10, 1), (10, 3), (17, 4), (25, 8), (50, 12)])
def test_alie_ctma_code_z_computed_independently(m: int, f: int) -> None:
    """docs/theory.md §8: the CTMA code's z = Φ⁻¹((m − f − s)/(m − f)), s = ⌊m/2 + 1⌋ − f."""
    s = int(np.floor(m / 2 + 1)) - f
    z = statistics.NormalDist().inv_cdf((m - f - s) / (m - f))
    assert T.alie_z(m, f, "ctma_code") == pytest.approx(z, rel=1e-12, abs=1e-12)
    assert T.alie_z(m, f, "ctma_code") < T.alie_z(m, f)


def test_alie_ctma_code_hand_value_and_message() -> None:
    # m = 17, f = 4: s = 5, z = Φ⁻¹(8/13) = 0.2934 (Baruch's rule: 0.5414)
    assert T.alie_z(17, 4, "ctma_code") == pytest.approx(0.2934, abs=5e-5)
    f = 4
    sd = np.array([statistics.stdev(H[:, j].tolist()) for j in range(5)])
    z = statistics.NormalDist().inv_cdf((17 - f - 5) / (17 - f))
    np.testing.assert_allclose(
        T.make("alie(z_rule=ctma_code)")(H, f=f),
        np.tile(honest_mean(H) - z * sd, (f, 1)),
        rtol=1e-13,
    )
    with pytest.raises(ValueError, match="z_rule of attack 'alie' must be one of"):
        T.make("alie(z_rule=ctma)")
    with pytest.raises(ValueError, match="z or z_rule"):
        T.make("alie(z=1, z_rule=ctma_code)")
    with pytest.raises(ValueError, match="z or z_rule"):
        T.alie(H, f=f, z=1.0, z_rule="ctma_code")


def test_alie_message_by_definition() -> None:
    f = 4
    z = T.alie_z(H.shape[0] + f, f)
    sd = np.array([statistics.stdev(H[:, j].tolist()) for j in range(5)])  # ddof = 1
    expected = honest_mean(H) - z * sd
    np.testing.assert_allclose(T.make("alie")(H, f=f), np.tile(expected, (f, 1)), rtol=1e-13)
    np.testing.assert_allclose(T.make("alie(z=2)")(H, f=f)[0], honest_mean(H) - 2 * sd, rtol=1e-13)


def test_gaussian_is_seeded_and_centred_on_the_honest_mean() -> None:
    g = T.make("gaussian(scale=0.5)")
    a = g(H, f=3, rng=np.random.default_rng(4))
    b = g(H, f=3, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])  # independent draws per Byzantine worker
    big = g(np.broadcast_to(H, (4000, 13, 5)), f=2, rng=np.random.default_rng(5))
    dev = big - honest_mean(H)
    assert np.all(np.abs(dev.mean(axis=(0, 1))) < 5 * 0.5 / np.sqrt(8000))
    assert dev.std() == pytest.approx(0.5, rel=0.02)


def test_non_finite_attacks() -> None:
    assert np.all(np.isnan(T.make("nan")(H, f=2)))
    assert np.all(T.make("inf")(H, f=2) == np.inf)
    assert np.all(T.make("inf(sign=-1)")(H, f=2) == -np.inf)
    assert np.all(T.make("huge")(H, f=2) == 1e300)


def test_attacks_batch_do_not_mutate_and_handle_f_zero() -> None:
    hb = np.random.default_rng(1).standard_normal((3, 2, 9, 4))
    before = hb.copy()
    for name in T.names():
        atk = T.make(name)
        out = atk(hb, f=3, rng=np.random.default_rng(2), aggregator="cwtm")
        assert out.shape == (3, 2, 3, 4)
        np.testing.assert_array_equal(hb, before)
        if name not in ("gaussian",):
            single = atk(hb[1, 0], f=3, rng=np.random.default_rng(2), aggregator="cwtm")
            np.testing.assert_allclose(out[1, 0], single, rtol=1e-12)
        assert atk(hb, f=0, rng=np.random.default_rng(2), aggregator="cwtm").shape == (3, 2, 0, 4)


@pytest.mark.parametrize("spec", ["cwtm", "cwmed", "krum", "ctma(cwtm)", "gm"])
def test_adaptive_beats_every_point_of_its_own_line_search(spec: str) -> None:
    """The adaptive attack returns the best candidate: no direction × grid scale evaluated
    independently here does better against the same aggregator."""
    agg = A.make(spec)
    f = 4
    h = np.random.default_rng(3).standard_normal((13, 6)) + 0.3

    def deviation(b: np.ndarray) -> float:
        x = np.concatenate([h, np.tile(b, (f, 1))])
        return float(np.linalg.norm(agg(x, f=f) - h.mean(axis=0)))

    chosen = deviation(T.make("adaptive")(h, f=f, aggregator=agg)[0])
    mu = h.mean(axis=0)
    rho = np.sqrt(np.mean(np.sum((h - mu) ** 2, axis=1))) + np.linalg.norm(mu)
    for u in T.directions(h).values():
        for s in np.geomspace(1e-2, 1e2, 25):
            assert deviation(mu + s * rho * u) <= chosen * (1 + 1e-12)
    # and it is at least as harmful as the fixed attacks it generalises, up to the grid
    for name in ("sign_flip", "alie", "ipm"):
        assert chosen >= 0.9 * deviation(T.make(name)(h, f=f)[0])


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: T.make("ipm(epsilon=1)"),
            r"^unknown parameter 'epsilon' for attack 'ipm'; valid: eps",
        ),
        (lambda: T.make("sign_flp"), r"^unknown attack 'sign_flp'.*did you mean 'sign_flip'"),
        (lambda: T.make("alie(cwtm)"), r"^attack 'alie' takes only keyword parameters"),
        (lambda: T.make("adaptive")(H, f=2), r"^attack 'adaptive' needs the aggregator"),
        (lambda: T.make("gaussian")(H, f=2), r"^attack 'gaussian' is randomised: pass rng="),
        (
            lambda: T.make("mimic(target=13)")(H, f=2),
            r"^target must be an honest worker index in \[0, 12\]",
        ),
        (lambda: T.make("sign_flip")(H, f=-1), r"^f must be an integer >= 0"),
        (lambda: T.make("sign_flip")(np.zeros(3), f=1), r"^honest must have shape"),
    ],
)
def test_bad_input_gets_one_line_error(call, pattern: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern) as info:
        call()
    assert "\n" not in str(info.value)


def test_names_and_round_trip() -> None:
    assert T.names() == sorted(
        [
            "sign_flip",
            "ipm",
            "alie",
            "gaussian",
            "mimic",
            "nan",
            "inf",
            "huge",
            "constant",
            "copy_cluster",
            "anti_sign",
            "adaptive",
        ]
    )
    assert T.make("ipm(eps=0.5)").spec == "ipm(eps=0.5)"
    assert T.make(T.make("alie(z=1.5)").spec).spec == "alie(z=1.5)"
