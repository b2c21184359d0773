"""search_only: the adversarial lower bound on κ* (docs/theory.md §6)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sco.aggregators import make
from sco.robustness import ratio
from sco.robustness.adversarial import (
    RuleEvaluator,
    extremal_families,
    search_only,
    two_value_family,
)


def q_of(m: int, f: int) -> float:
    """The CWTM optimum κ* = f/(m − 2f) (docs/theory.md §6), written out here."""
    return f / (m - 2 * f)


def plain_cwtm(x: np.ndarray, *, f: int) -> np.ndarray:
    """A user's CWTM that only understands one (m, d) instance (sorts along axis 0)."""
    s = np.sort(np.asarray(x, dtype=float), axis=0)
    return s[f : s.shape[0] - f].mean(axis=0)


@pytest.mark.parametrize(("m", "f"), [(5, 1), (9, 3), (12, 4)])
def test_cwtm_reaches_but_never_exceeds_q(m: int, f: int) -> None:
    got = search_only("cwtm", m, f, rng=1, effort="quick")
    q = q_of(m, f)
    assert got.lower <= q * (1 + 1e-9)
    assert got.lower >= 0.9 * q
    assert got.method == "search only"
    assert got.upper == np.inf and got.value == got.lower and not got.exact
    assert "lower bound" in got.certificate


def test_lower_is_the_rule_ratio_on_the_instance() -> None:
    got = search_only("cwmed", 7, 2, rng=3, effort="quick")
    x = got.instance
    assert x.shape == (7, 4)  # default d = min(m, 4)
    r = ratio(make("cwmed")(x, f=2), x, np.arange(5))
    assert float(r) == pytest.approx(got.lower, rel=1e-12)


def test_mean_is_found_unbounded() -> None:
    got = search_only("mean", 7, 2, rng=0, effort="quick")
    assert got.lower > 1e3 * q_of(7, 2)


def test_plain_callable_row_by_row() -> None:
    # np.sort(axis=0) of a batch [n, m, d] sorts across instances: wrong shape, so the
    # evaluator must fall back to one call per instance
    got = search_only(plain_cwtm, 7, 2, rng=2, effort="quick")
    assert got.details["batched"] is False
    assert got.rule == "plain_cwtm"
    assert 0.9 * q_of(7, 2) <= got.lower <= q_of(7, 2) * (1 + 1e-9)


def test_evaluator_detects_silent_batch_errors() -> None:
    calls: list[int] = []

    def first_row(x: np.ndarray, *, f: int) -> np.ndarray:
        calls.append(1)
        return np.asarray(x)[0] if np.ndim(x) == 2 else np.asarray(x)[:, 1]

    ev = RuleEvaluator(first_row, 1, seed=0)
    x = np.random.default_rng(0).standard_normal((6, 5, 3))
    out = ev(x)
    assert ev.batched is False
    np.testing.assert_array_equal(out, x[:, 0])


def test_failing_callable_scores_minus_infinity() -> None:
    def picky(x: np.ndarray, *, f: int) -> np.ndarray:
        if np.ndim(x) != 2 or x[0, 0] > 0:
            raise RuntimeError("no")
        return np.asarray(x).mean(axis=0)

    ev = RuleEvaluator(picky, 1, seed=0)
    x = np.zeros((2, 5, 2))
    x[0, 0, 0] = 1.0
    out = ev(x)
    assert np.all(np.isnan(out[0])) and np.all(out[1] == 0)


def test_deterministic_for_fixed_rng() -> None:
    a = search_only("krum", 5, 1, rng=7, effort="quick")
    b = search_only("krum", 5, 1, rng=7, effort="quick")
    c = search_only("krum", 5, 1, rng=np.random.default_rng(7), effort="quick")
    assert a.lower == b.lower
    np.testing.assert_array_equal(a.instance, b.instance)
    assert c.lower == a.lower  # a Generator seeded alike gives the same search


@pytest.mark.slow
def test_krum_close_to_reference_value() -> None:
    # docs/theory.md §6: κ*(Krum; 5, 1) = 4.1667 (a supremum on a score tie)
    got = search_only("krum", 5, 1, rng=0)
    assert 0.9 * 4.1667 <= got.lower <= 4.1667 * (1 + 1e-6)


@pytest.mark.parametrize(("m", "f"), [(5, 1), (8, 3)])
def test_no_attack_cwtm(m: int, f: int) -> None:
    # ε*(CWTM) = f/(m − f) (Yang, Shi & Li 2023), attained by f equal values and m − f others
    eps = f / (m - f)
    got = search_only("cwtm", m, f, no_attack=True, rng=0, effort="quick")
    assert got.no_attack
    assert 0.9 * eps <= got.lower <= eps * (1 + 1e-9)
    x = got.instance
    assert float(ratio(make("cwtm")(x, f=f), x)) == pytest.approx(got.lower, rel=1e-12)


def test_families_shapes_and_two_value() -> None:
    fams = extremal_families(7, 2, 3, np.random.default_rng(0), 4, agg="krum")
    names = {n for n, _ in fams}
    assert {"lower_bound", "median_cluster", "two_value", "krum_tie", "random"} <= names
    assert any(n.startswith("attack:") for n in names)
    for _, x in fams:
        assert x.ndim == 3 and x.shape[1:] == (7, 3) and np.all(np.isfinite(x))
    tv = two_value_family(5, 2, 0)
    counts = {int(np.sum(np.linalg.norm(row, axis=-1) > 0.5)) for row in tv}
    assert counts == {1, 2, 3, 4}


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="f must be"):
        search_only("cwtm", 4, 2)
    with pytest.raises(ValueError, match="effort"):
        search_only("cwtm", 5, 1, effort="huge")
    with pytest.raises(ValueError, match="d must be"):
        search_only("cwtm", 5, 1, d=0)


def test_scipy_is_imported_lazily() -> None:
    code = (
        "import sys, sco, sco.robustness.adversarial, sco.robustness.certify;"
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_kappa_star_falls_back_to_search_for_a_callable() -> None:
    from sco.robustness import kappa_star

    got = kappa_star(plain_cwtm, 7, 2, rng=0)
    assert got.method == "search only" and got.upper == np.inf
    assert 0.9 * q_of(7, 2) <= got.lower <= q_of(7, 2) * (1 + 1e-9)
    assert got.details["batched"] is False
