"""certify: an outside Krum checked against the reference (docs/theory.md §6)."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from sco.aggregators import krum
from sco.robustness import KappaStar, kappa_star, ratio
from sco.robustness.certify import CertifyReport, as_rule, certify

# --- independent Krums written here (Blanchard et al. 2017, docs/theory.md §2) ---------------


def _scores(x: np.ndarray, n: int) -> np.ndarray:
    d2 = np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1)
    np.fill_diagonal(d2, np.inf)
    return np.sort(d2, axis=1)[:, :n].sum(axis=1)


def krum_correct(x: np.ndarray, f: int) -> np.ndarray:
    """Score = sum of the m − f − 2 smallest squared distances; argmin, lowest index."""
    x = np.asarray(x, dtype=float)
    return x[int(np.argmin(_scores(x, len(x) - f - 2)))]


def krum_byzfl(x: np.ndarray, f: int) -> np.ndarray:
    """ByzFL's convention: m − f − 1 neighbours."""
    x = np.asarray(x, dtype=float)
    return x[int(np.argmin(_scores(x, len(x) - f - 1)))]


def krum_off_by_one(x: np.ndarray, f: int) -> np.ndarray:
    """An off-by-one validity check: falls back to the mean at m = 2f + 3 (valid for Krum)."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2 * f + 4:
        return x.mean(axis=0)
    return krum_correct(x, f)


def krum_isclose_tie(x: np.ndarray, f: int) -> np.ndarray:
    """Falls back to the mean when the two best scores are np.isclose (default atol 1e-8)."""
    x = np.asarray(x, dtype=float)
    s = _scores(x, len(x) - f - 2)
    o = np.argsort(s, kind="stable")
    if np.isclose(s[o[0]], s[o[1]]):
        return x.mean(axis=0)
    return x[o[0]]


def krum_exact_tie(x: np.ndarray, f: int) -> np.ndarray:
    """Falls back to the mean when two rows share the best score exactly (even if they are
    the same point)."""
    x = np.asarray(x, dtype=float)
    s = _scores(x, len(x) - f - 2)
    o = np.argsort(s, kind="stable")
    if s[o[0]] == s[o[1]]:
        return x.mean(axis=0)
    return x[o[0]]


def krum_ignores_f(x: np.ndarray) -> np.ndarray:
    """Always f = 0: m − 2 neighbours (and a one-argument signature)."""
    x = np.asarray(x, dtype=float)
    return x[int(np.argmin(_scores(x, len(x) - 2)))]


SETTINGS = [(5, 1), (7, 2), (9, 2)]
_KAPPA: dict[tuple[int, int], KappaStar] = {}


def ref_kappa(m: int, f: int) -> KappaStar | None:
    """The reference's κ* once per setting (None: let certify compute or fall back)."""
    if (m, f) not in _KAPPA:
        try:
            _KAPPA[(m, f)] = kappa_star("krum", m, f)
        except Exception:
            return None
    return _KAPPA[(m, f)]


def run(fn: Any, m: int, f: int, **kw: Any) -> CertifyReport:
    return certify(fn, m, f, kappa=ref_kappa(m, f), **kw)


@pytest.mark.parametrize(("m", "f"), SETTINGS)
@pytest.mark.parametrize("fn", [krum_correct, krum], ids=["independent", "package"])
def test_correct_krums_pass(fn: Any, m: int, f: int) -> None:
    rep = run(fn, m, f)
    assert rep.ok, str(rep)
    assert rep.n_unique > 0.8 * rep.n_instances
    assert rep.worst_ratio <= rep.bound * (1 + 1e-9)
    assert "OK" in str(rep)


@pytest.mark.parametrize(("m", "f"), SETTINGS)
def test_byzfl_neighbour_count_differs(m: int, f: int) -> None:
    rep = run(krum_byzfl, m, f)
    assert not rep.ok and rep.differs
    assert "FLAGGED" in str(rep)
    g = rep.differs[0]
    assert g.instance.shape[0] == m
    np.testing.assert_allclose(g.reference_output, krum(g.instance, f=f), rtol=1e-12)
    np.testing.assert_allclose(g.output, krum_byzfl(g.instance, f), rtol=1e-12)
    r = float(ratio(g.output, g.instance, np.arange(m - f)))
    assert r == pytest.approx(g.ratio, rel=1e-9)


@pytest.mark.parametrize(("m", "f"), [(5, 1), (7, 2)])
def test_off_by_one_fallback_is_flagged(m: int, f: int) -> None:
    rep = run(krum_off_by_one, m, f)
    assert not rep.ok and rep.differs and rep.exceeds
    assert rep.exceeds[0].ratio > rep.bound


def test_off_by_one_is_correct_above_the_threshold() -> None:
    assert run(krum_off_by_one, 9, 2).ok


@pytest.mark.parametrize(("m", "f"), SETTINGS)
@pytest.mark.parametrize("fn", [krum_isclose_tie, krum_exact_tie], ids=["isclose", "exact"])
def test_tie_fallbacks_are_flagged(fn: Any, m: int, f: int) -> None:
    rep = run(fn, m, f)
    assert not rep.ok and rep.differs


@pytest.mark.parametrize(("m", "f"), SETTINGS)
def test_rule_ignoring_f_is_flagged(m: int, f: int) -> None:
    rep = run(krum_ignores_f, m, f)  # one-argument signature, detected
    assert not rep.ok and rep.differs
    assert not rep.errors


def test_signatures_detected() -> None:
    x = np.random.default_rng(0).standard_normal((5, 2))
    for fn in (krum_ignores_f, krum_correct, lambda x, **kw: krum_correct(x, kw["f"])):
        out = as_rule(fn, 1, x)(x, f=1)
        assert out.shape == (2,)

    class Callable:
        def __call__(self, x: np.ndarray, f: int) -> np.ndarray:
            return krum_correct(x, f)

    assert as_rule(Callable(), 1, x)(x, f=1).shape == (2,)


def test_fallback_when_kappa_star_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    ks = sys.modules["sco.robustness.kappa_star"]  # the package attribute is the function

    def broken(*args: Any, **kwargs: Any) -> KappaStar:
        raise ImportError("sdp not available")

    monkeypatch.setattr(ks, "kappa_star", broken)
    good = certify(krum_correct, 5, 1)
    assert good.ok, str(good)
    assert good.kappa.method == "search only"
    assert any("failed" in n for n in good.notes)
    bad = certify(krum_byzfl, 5, 1)
    assert not bad.ok


def test_deterministic() -> None:
    a = run(krum_byzfl, 5, 1, rng=3)
    b = run(krum_byzfl, 5, 1, rng=3)
    assert a.counts == b.counts and a.worst_ratio == b.worst_ratio
    np.testing.assert_array_equal(a.differs[0].instance, b.differs[0].instance)
