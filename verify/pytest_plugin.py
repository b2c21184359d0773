"""The byzsco pytest plugin: regression tests on convergence bounds in one's own repository.

Installed with the package (entry point ``pytest11``: ``byzsco``), so any project's pytest gets

- the option ``--byzsco-scale {smoke,quick,full}`` (default ``smoke``: seconds per claim);
- the fixture ``byzsco_scale`` (that scale) and ``run_claim``, which runs a registered claim at
  that scale with any overrides: ``run_claim("E2", estimator=my_estimator)``;
- the fixtures ``far_quadratics``, ``noise_dominated_least_squares`` and ``noisy_quadratics``:
  three problems each from the claims' instance families (docs/theory.md §5);
- ``sco.testing.assert_verdict`` to assert on a verdict with a one-line message.

A whole regression test::

    from sco.testing import assert_verdict

    def my_rule(x, *, f):
        ...

    def test_my_rule_meets_theorem_r_with_ctma_cwtm_kappa(run_claim):
        assert_verdict(run_claim("R1", aggregator=my_rule, kappa_of="ctma(cwtm)"))

Nothing heavy is imported until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

SCALES = ("smoke", "quick", "full")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("byzsco", "byzsco: regression tests on convergence bounds")
    group.addoption(
        "--byzsco-scale",
        choices=SCALES,
        default="smoke",
        help="scale of the claims run by the run_claim fixture (default: smoke)",
    )


@pytest.fixture
def byzsco_scale(request: pytest.FixtureRequest) -> str:
    """The scale given by ``--byzsco-scale`` (smoke, quick or full)."""
    return str(request.config.getoption("--byzsco-scale"))


@pytest.fixture
def run_claim(byzsco_scale: str) -> Callable[..., Any]:
    """``run_claim(id, negative=False, **overrides) -> Verdict`` at the session's scale."""

    def run(claim_id: str, negative: bool | str = False, **overrides: Any) -> Any:
        from verify import claims

        return claims.run(claim_id, byzsco_scale, negative=negative, **overrides)

    return run


def _family(name: str, n: int = 3) -> list[Any]:
    from verify.claims import draw, families

    return [inst.keywords["problem"] for inst in draw(getattr(families, name), n)]


@pytest.fixture(scope="session")
def far_quadratics() -> list[Any]:
    """Three quadratics started on the far side of K (the family of R1–R3)."""
    return _family("FAR_QUADRATIC")


@pytest.fixture(scope="session")
def noise_dominated_least_squares() -> list[Any]:
    """Three noise-dominated least-squares problems (the family of E1 and E2)."""
    return _family("NOISE_DOMINATED_LS")


@pytest.fixture(scope="session")
def noisy_quadratics() -> list[Any]:
    """Three noisy quadratics started at the centre (the family of S1)."""
    return _family("NOISY_QUADRATIC")
