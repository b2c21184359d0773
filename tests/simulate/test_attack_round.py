"""The attack sees the honest messages of *this* round (docs/theory.md §3), and the recorded
iterates are the server's x_t and w_t."""

from __future__ import annotations

import numpy as np

import problems
import sco

P = problems.Quadratic.random(4, sigma=1.0, rng=5)


def last_row(x: np.ndarray, *, f: int) -> np.ndarray:
    """An aggregator that returns the Byzantine message (the last row)."""
    return np.array(x[..., -1, :])


def run(attack: object) -> sco.Trace:
    return sco.simulate(
        P,
        aggregator=last_row,
        attack=attack,
        estimator="sgd",
        m=2,
        f=1,
        T=30,
        lr=0.05,
        seeds=3,
        rng=1,
        record=("agg_err",),
        checkpoints=range(1, 31),
    )


def test_mimic_copies_this_rounds_honest_message() -> None:
    """With one honest worker and a mimic attack, d̂_t is the honest message of round t, so
    ‖d̂_t − d̄_G,t‖² is exactly 0 at every step."""
    assert np.all(run("mimic")["agg_err"] == 0.0)


class PreviousRound:
    """A planted bug: an attack that answers with the previous round's honest messages."""

    spec = "previous_round"

    def __init__(self) -> None:
        self.last: np.ndarray | None = None

    def __call__(
        self, honest: np.ndarray, *, f: int, rng: object, aggregator: object
    ) -> np.ndarray:
        out = honest if self.last is None else self.last
        self.last = np.array(honest)
        return np.array(out[..., :f, :])


def test_the_same_check_detects_an_attack_that_lags_one_round() -> None:
    err = run(PreviousRound())["agg_err"]
    assert np.all(err[:, 0] == 0.0) and np.all(err[:, 1:] > 0.0)


def test_recorded_iterates_are_the_servers_points() -> None:
    tr = sco.simulate(
        P,
        aggregator="mean",
        attack=None,
        estimator="mu2sgd",
        m=3,
        f=0,
        T=12,
        lr=0.01,
        seeds=2,
        rng=0,
        record=("x", "w", "subopt"),
        checkpoints=range(1, 13),
    )
    x, w = tr.iterates["x"], tr.iterates["w"]
    assert x.shape == w.shape == (2, 12, 4)
    np.testing.assert_array_equal(x[:, 0], np.broadcast_to(P.x0, (2, 4)))
    np.testing.assert_array_equal(w[:, 0], x[:, 0])
    np.testing.assert_allclose(P.value(x[:, -1]) - P.f_star, tr["subopt"][:, -1], rtol=1e-12)
    # x_{t+1} = (t x_t + 2 w_{t+1})/(t + 2), docs/theory.md §4
    t = np.arange(1, 12)[None, :, None]
    np.testing.assert_allclose(x[:, 1:], (t * x[:, :-1] + 2 * w[:, 1:]) / (t + 2), rtol=1e-13)
    assert tr.select([1]).iterates["x"].shape == (1, 12, 4)
