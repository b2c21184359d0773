"""The κ* dispatch (sco.robustness.kappa_star, docs/theory.md §6) through the public API: the
acceptance values of issue 13, validation before computing, forced methods, ``proven`` never
searching, and the result type."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sco import aggregators as A
from sco import robustness as R
from sco.robustness import KappaStar, kappa_star, proven


def q(m: int, f: int) -> float:
    return f / (m - 2 * f)


@pytest.mark.parametrize("m", range(3, 14))
def test_cwtm_kappa_star_is_q_by_closed_form_and_by_enumeration(m: int) -> None:
    for f in range(0, (m - 1) // 2 + 1):
        want = float(Fraction(f, m - 2 * f))
        closed = kappa_star("cwtm", m, f, method="closed form")
        socp = kappa_star("cwtm", m, f, method="SOCP enumeration")
        assert closed.method == "closed form" and socp.method == "SOCP enumeration"
        assert closed.value == pytest.approx(want, rel=1e-9, abs=1e-12), (m, f)
        assert socp.value == pytest.approx(want, rel=1e-9, abs=1e-12), (m, f)
        assert socp.upper >= want * (1 - 1e-9) - 1e-12  # the certificate is an upper bound


@pytest.mark.parametrize(
    ("spec", "m", "f", "want"),
    [
        ("krum", 5, 1, 4.1667),
        ("krum", 7, 2, 7.9848),
        ("krum", 9, 3, 9.7426),
        ("krum", 11, 4, 11.3667),
        ("ctma(krum)", 5, 1, 1.667),
    ],
)
def test_reference_values_of_the_sdp(spec: str, m: int, f: int, want: float) -> None:
    ks = kappa_star(spec, m, f)
    assert ks.method == "SDP"
    assert ks.value == pytest.approx(want, abs=1e-3)
    assert ks.lower <= ks.value * (1 + 1e-9) and ks.value <= ks.upper * (1 + 1e-9)
    assert ks.lower >= ks.value * (1 - 1e-3)
    # the instance's ratio, recomputed here through the implemented rule
    x = ks.instance
    got = R.ratio(A.make(spec)(x, f=f), x, np.arange(m - f))
    assert float(got) == pytest.approx(ks.lower, rel=1e-9)


def test_bad_sizes_and_methods_fail_in_one_line_before_computing() -> None:
    with pytest.raises(ValueError, match=r"^m must be an integer >= 1; got 0$"):
        kappa_star("cwtm", 0, 0)
    with pytest.raises(ValueError, match=r"^f must be an integer with 0 <= f < m/2 = 3.5; got 4$"):
        kappa_star("cwtm", 7, 4)
    with pytest.raises(ValueError, match=r"^m: krum needs m >= 7 for f = 2; got 6$"):
        kappa_star("krum", 6, 2)
    with pytest.raises(ValueError, match=r"^method must be one of"):
        kappa_star("cwtm", 7, 2, method="guess")
    with pytest.raises(ValueError, match=r"does not apply to gm"):
        kappa_star("gm", 7, 2, method="SOCP enumeration")
    with pytest.raises(ValueError, match="f must be an integer"):
        kappa_star("cwtm", 7, True)  # type: ignore[arg-type]


def test_proven_never_searches(monkeypatch: pytest.MonkeyPatch) -> None:
    from sco.robustness import adversarial

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("proven() ran a search")

    monkeypatch.setattr(adversarial, "search_only", boom)

    def user_rule(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.median(x, axis=-2)

    assert proven(user_rule, 7, 2) is None
    got = proven("cwtm", 7, 2)
    assert got is not None and got.value == pytest.approx(2 / 3, rel=1e-12)
    assert proven("krum", 6, 2) is None  # Krum is not defined there


def test_a_plain_callable_gets_a_labelled_lower_bound() -> None:
    def user_rule(x: np.ndarray, *, f: int) -> np.ndarray:
        return np.median(x, axis=-2)

    ks = kappa_star(user_rule, 7, 2, rng=1)
    assert ks.method == "search only" and not ks.exact
    assert ks.upper == np.inf and np.isnan(ks.gap)
    assert "lower bound" in ks.certificate
    # user_rule is the coordinate-wise median: its κ* (odd m) is (m − 1)/(m + 1 − 2f) = 1.5
    assert 0.5 * 1.5 <= ks.lower <= 1.5 * (1 + 1e-9)


def test_the_result_type() -> None:
    x = np.zeros((5, 1))
    ks = KappaStar("r", 5, 1, False, 2.0, 1.5, 2.0, x, "proof", "closed form")
    assert ks.gap == pytest.approx(0.25) and ks.exact
    assert "kappa*(r; m=5, f=1) = 2" in repr(ks)
    with pytest.raises(ValueError, match="method must be one of"):
        KappaStar("r", 5, 1, False, 2.0, 1.5, 2.0, x, "proof", "magic")
