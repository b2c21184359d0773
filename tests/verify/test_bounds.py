"""verify.bounds against hand evaluation at two points; Theorem R's slope in T → −1/2."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from verify import bounds as B

POINTS = [
    dict(
        m=17,
        f=4,
        T=1000,
        t=10,
        eta=1e-4,
        L=1.0,
        D=4.0,
        sigma2=0.5,
        sigma_L2=0.2,
        kappa=3.0,
        kappa_A=2.0,
        k=2,
    ),
    dict(
        m=41,
        f=8,
        T=250,
        t=3,
        eta=2e-3,
        L=2.5,
        D=1.0,
        sigma2=3.0,
        sigma_L2=0.0,
        kappa=0.7,
        kappa_A=6.0,
        k=1,
    ),
]


def by_hand(name: str, p: dict) -> float:  # type: ignore[type-arg]
    m, f, T, t, eta, L, D = p["m"], p["f"], p["T"], p["t"], p["eta"], p["L"], p["D"]
    q = f / (m - 2 * f)
    st2 = 2 * p["sigma2"] + 8 * D**2 * p["sigma_L2"]
    S = math.sqrt(st2) * (math.sqrt(p["kappa"]) + 1 / math.sqrt(m - f))
    return {
        "kappa_cwtm": 6 * q * (1 + q),
        "kappa_cwmed": 4 * (1 + q) ** 2,
        "kappa_gm": 4 * (1 + q) ** 2,
        "kappa_krum": 6 * (1 + q),
        "kappa_nnm": 8 * f / (m - f) * (p["kappa_A"] + 1),
        "kappa_ctma": 4 * f * (1 + p["kappa_A"]) / (m - f),
        "ctma_pathwise": 4 * p["k"] / (m - f),
        "lower_bound": f / (m - 2 * f),
        "lemma_e": st2 / t,
        "lemma_a": S**2 / t,
        "theorem_r": 2 * D**2 / (eta * T * (T + 1))
        + 2 * eta * S**2
        + 8 / 3 * D * S * math.sqrt(T + 1) / T,
        "theorem_r_tuned": 16 * L * D**2 / (T + 1)
        + S**2 / (4 * L * T)
        + 8 / 3 * D * S * math.sqrt(T + 1) / T,
    }[name]


@pytest.mark.parametrize("name", sorted(B.BOUNDS))
@pytest.mark.parametrize("point", range(2))
def test_each_bound_matches_a_hand_evaluation(name: str, point: int) -> None:
    bound = B.get(name)
    numbers = {k: v for k, v in POINTS[point].items() if k in bound.symbols}
    assert bound.evaluate(**numbers) == pytest.approx(by_hand(name, POINTS[point]), rel=1e-12)
    assert bound.reference and bound.kind in ("upper", "exact", "order")
    assert bound.latex()


def test_theorem_r_slope_in_T_tends_to_minus_one_half() -> None:
    b = B.get("theorem_r_tuned")
    at = dict(L=1.0, D=4.0, sigma2=0.01, sigma_L2=0.0, kappa=5.97, m=17, f=4)
    slopes = [b.local_slope("T", dict(at, T=T)) for T in (1e2, 1e4, 1e6, 1e10)]
    assert slopes[0] < -0.8  # the LD²/T term dominates early
    assert slopes[-1] == pytest.approx(-0.5, abs=1e-3)
    assert all(a < b for a, b in itertools.pairwise(slopes))


def test_bad_use_is_reported() -> None:
    with pytest.raises(ValueError, match="needs values for"):
        B.get("lemma_e").evaluate(t=3.0)
    with pytest.raises(ValueError, match="unknown bound"):
        B.get("theorem_q")
    with pytest.raises(ValueError, match="does not depend on 'T'"):
        B.get("lemma_e").local_slope("T", {"t": 1.0})


def test_a_users_bound_registers_by_name_and_evaluates_on_arrays() -> None:
    """verify.bounds.register: the same registry implementation as the plug-ins; a string in the
    module's symbols, evaluated on an array grid against the same formula by hand."""
    b = B.register("my_rate", "sigma_tilde2 / sqrt(t)", reference="my paper, eq. 3")
    try:
        assert B.get("my_rate") is b and "my_rate" in B.names()
        t = np.array([1.0, 4.0, 16.0])
        got = b.evaluate(t=t, sigma2=1.0, sigma_L2=0.5, D=2.0)
        np.testing.assert_allclose(got, (2 * 1.0 + 8 * 4.0 * 0.5) / np.sqrt(t), rtol=1e-14)
        with pytest.raises(ValueError, match="already registered"):
            B.register("my_rate", "1/t")
        with pytest.raises(ValueError, match="kind must be one of"):
            B.register("other", "1/t", kind="sideways")
        with pytest.raises(ValueError, match="is not an expression"):
            B.register("broken", "1/(t")
    finally:
        B.unregister("my_rate")
    with pytest.raises(ValueError, match="unknown bound 'my_rate'"):
        B.get("my_rate")
