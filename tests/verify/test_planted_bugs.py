"""Plausible bugs planted into the algorithms are caught by the claims themselves (not only by
hand tests): an off-by-one β_t, uniform instead of α_t-weighted averaging, and in the authors'
code an off-by-one averaging weight, an unrounded β_t and ALIE's z over the wrong count."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from sco import estimators
from sco.estimators.server import Iterate, ServerRule
from sco.estimators.worker import storm
from verify import Status, claims
from verify.claims import _runs


@pytest.fixture(autouse=True)
def fresh_runs() -> Iterator[None]:
    _runs.clear()
    yield
    _runs.clear()


@pytest.fixture
def plant() -> Iterator[Callable[[estimators.Estimator], None]]:
    """Replace the registered "mu2sgd" by a planted estimator, and restore it afterwards."""
    original = estimators.REGISTRY.entry("mu2sgd")

    def put(est: estimators.Estimator) -> None:
        estimators.register("mu2sgd", lambda: est, replace=True)

    yield put
    estimators.register(
        "mu2sgd", original.obj, replace=True, reference=original.declared.get("reference", "")
    )


def test_beta_off_by_one_fails_e0(plant: Callable[[estimators.Estimator], None]) -> None:
    buggy = estimators.Estimator(
        "mu2sgd", storm(lambda t: 1.0 / (t + 1)), estimators.anytime_sgd().server
    )
    plant(buggy)
    assert claims.run("E0", "smoke").status == Status.FAIL


def uniform_average() -> ServerRule:
    """x_{t+1} = (t·x_t + w_{t+1})/(t + 1): every w_t weighted alike (the planted bug)."""

    def init(x0: np.ndarray) -> Iterate:
        x = np.array(x0, dtype=np.float64)
        return Iterate(x, x.copy())

    def update(state: Iterate, d_hat: np.ndarray, t: int, lr: float, project: object) -> Iterate:
        w = project(state.w - (lr * t) * d_hat)  # type: ignore[operator]
        return Iterate((t * state.x + w) / (t + 1.0), w)

    return ServerRule(init, update)


def test_uniform_averaging_fails_r1(plant: Callable[[estimators.Estimator], None]) -> None:
    buggy = estimators.Estimator("mu2sgd", storm(lambda t: 1.0 / t), uniform_average())
    plant(buggy)
    v = claims.run("R1", "smoke")
    assert v.status == Status.FAIL
    failing = [p for p in v.parts if p.status == Status.FAIL]
    assert failing and all("Σα_t w_t" in p.quantity for p in failing)


def test_the_unplanted_estimator_passes_both() -> None:
    assert claims.run("E0", "smoke").passed and claims.run("R1", "smoke").passed


# ------------------------------------------------------------------ P1: the authors' code


def test_paper_code_averaging_off_by_one_fails_p1(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bug this release fixed: γ_t = 2/(t + 2) instead of the authors' 2/(t + 1)."""
    from sco.estimators import server

    def old_weight(t: int, *, rounding: bool, floor: float) -> float:
        g = 2.0 / (t + 2.0)
        return max(round(g, 3) if rounding else g, floor)

    monkeypatch.setattr(server, "paper_code_weight", old_weight)
    assert claims.run("P1", "smoke").status == Status.FAIL


def test_paper_code_without_rounding_fails_p1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ignoring the three-decimal rounding of β_t (the family has rounding=True instances)."""

    def unrounded(t: int, *, rounding: bool, floor: float) -> float:
        return max(1.0 / t, floor)

    monkeypatch.setattr(estimators, "paper_code_beta", unrounded)
    assert claims.run("P1", "smoke").status == Status.FAIL


def test_alie_ctma_code_z_over_m_fails_p1(monkeypatch: pytest.MonkeyPatch) -> None:
    """ALIE's CTMA-code z computed over m instead of m − f (Baruch's denominator)."""
    from scipy.special import ndtri

    from sco.attacks import simple

    def wrong_z(m: int, f: int, rule: str = "baruch") -> float:
        s = (m // 2 + 1) - f
        return float(ndtri((m - s) / m))

    monkeypatch.setattr(simple, "alie_z", wrong_z)
    assert claims.run("P1", "smoke").status == Status.FAIL


# ------------------------------------------------------------------ K5, K6 (docs/theory.md §6)


@pytest.fixture
def fresh_constants() -> Iterator[None]:
    from sco.robustness import closed_form
    from verify.claims import exact_kappa

    def clear() -> None:
        closed_form._CACHE.clear()
        exact_kappa._exact.cache_clear()

    clear()
    yield
    clear()


def test_cwmed_closed_form_typo_fails_k5(
    monkeypatch: pytest.MonkeyPatch, fresh_constants: None
) -> None:
    """κ*(CWMed) for odd m written (m − 1)/(m − 2f) instead of (m − 1)/(m + 1 − 2f): the
    extremal instance no longer reaches the declared value."""
    from sco.robustness import closed_form

    build = closed_form._build

    def typo(kind: str, m: int, f: int, no_attack: bool) -> tuple[float, np.ndarray, str, bool]:
        value, x, proof, sup = build(kind, m, f, no_attack)
        if kind == "cwmed" and m % 2 and not no_attack:
            value = (m - 1) / (m - 2 * f)
        return value, x, proof, sup

    monkeypatch.setattr(closed_form, "_build", typo)
    v = claims.run("K5", "quick", rules=("cwmed",))
    assert v.status == Status.FAIL


def test_a_krum_replaced_under_its_name_fails_k5(fresh_constants: None) -> None:
    """A Krum scoring m − f − 1 neighbours registered as "krum": the certificates do not
    recognise it, so K5 has no proven constant for a rule it must check, and fails."""
    from sco import aggregators as A

    rec = A.registry.REGISTRY.entry("krum")

    def byzfl_krum(x: np.ndarray, *, f: int) -> np.ndarray:
        d2 = np.sum((x[..., :, None, :] - x[..., None, :, :]) ** 2, axis=-1)
        m = x.shape[-2]
        score = np.sort(d2, axis=-1)[..., 1 : m - f].sum(axis=-1)
        pick = np.argmin(score, axis=-1)
        return np.take_along_axis(x, pick[..., None, None], axis=-2)[..., 0, :]

    A.register("krum", byzfl_krum, min_workers=lambda f: 2 * f + 3, replace=True)
    try:
        assert claims.run("K5", "smoke", rules=("krum",)).status == Status.FAIL
    finally:
        A.registry.REGISTRY.register("krum", rec.obj, replace=True, **rec.declared)
    assert claims.run("K5", "smoke", rules=("krum",)).status == Status.PASS
