"""Plausible bugs planted into the algorithms are caught by the claims themselves (not only by
hand tests): an off-by-one β_t and uniform instead of α_t-weighted averaging."""

from __future__ import annotations

from collections.abc import Iterator

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


def plant(monkeypatch: pytest.MonkeyPatch, est: estimators.Estimator) -> None:
    monkeypatch.setitem(estimators._FACTORIES, "mu2sgd", lambda: est)


def test_beta_off_by_one_fails_e0(monkeypatch: pytest.MonkeyPatch) -> None:
    buggy = estimators.Estimator(
        "mu2sgd", storm(lambda t: 1.0 / (t + 1)), estimators.anytime_sgd().server
    )
    plant(monkeypatch, buggy)
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


def test_uniform_averaging_fails_r1(monkeypatch: pytest.MonkeyPatch) -> None:
    buggy = estimators.Estimator("mu2sgd", storm(lambda t: 1.0 / t), uniform_average())
    plant(monkeypatch, buggy)
    v = claims.run("R1", "smoke")
    assert v.status == Status.FAIL
    failing = [p for p in v.parts if p.status == Status.FAIL]
    assert failing and all("Σα_t w_t" in p.quantity for p in failing)


def test_the_unplanted_estimator_passes_both() -> None:
    assert claims.run("E0", "smoke").passed and claims.run("R1", "smoke").passed
