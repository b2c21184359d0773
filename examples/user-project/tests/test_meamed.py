"""The project's own tests, through byzsco's pytest plugin and conformance suites."""

import meamed_rules  # noqa: F401  (registers the plug-ins)

from sco.testing import assert_verdict, parametrize_with_checks


def mutating_rule(x, *, f):
    x.sort(axis=-2)  # a bug: sorts the workers' messages in place
    return x.mean(axis=-2)


@parametrize_with_checks(
    ["lab_meamed", "ctma(lab_meamed)", mutating_rule],
    expected_failures={(mutating_rule, "no-mutation"): "known bug, kept as a reminder"},
)
def test_conformance(obj, check):
    check()


def test_ctma_meamed_meets_theorem_r(run_claim):
    assert_verdict(run_claim("R1", aggregator="ctma(lab_meamed)", kappa_of="ctma(cwtm)"))
