"""Problem instances shared by the problem tests (built once per session)."""

from __future__ import annotations

import pytest

import problems

BUILDERS = {
    "quadratic": lambda: problems.Quadratic.random(5, cond=20.0, sigma=1.3, rng=1),
    "least_squares": lambda: problems.LeastSquares.random(4, cond=5.0, noise=0.5, rng=2),
    "logistic": lambda: problems.Logistic.synthetic(300, 6, reg=1e-2, rng=3),
    "logistic_b4": lambda: problems.Logistic.synthetic(200, 5, reg=5e-2, batch=4, rng=4),
    "breast_cancer": lambda: problems.Logistic.breast_cancer(),
}


@pytest.fixture(scope="session", params=sorted(BUILDERS))
def problem(request: pytest.FixtureRequest) -> problems.BallProblem:
    return BUILDERS[request.param]()


LOGISTIC = ["breast_cancer", "logistic", "logistic_b4"]


@pytest.fixture(scope="session", params=LOGISTIC)
def logistic(request: pytest.FixtureRequest) -> problems.Logistic:
    p = BUILDERS[request.param]()
    assert isinstance(p, problems.Logistic)
    return p
