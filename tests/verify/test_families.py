"""Instance families: drawn by a seeded generator (reproducible, never hand-picked), large
enough at quick scale, and with the properties their descriptions promise."""

from __future__ import annotations

import numpy as np
import pytest

from sco import aggregators as A
from verify import claims
from verify.claims import families, registry
from verify.claims.convergence import theorem_r


def draw(cid: str, n: int) -> list[registry.Instance]:
    return registry.draw(registry.get(cid).family, n)


@pytest.mark.parametrize("cid", claims.ids())
def test_every_claim_runs_on_at_least_three_instances_at_quick_scale(cid: str) -> None:
    claim = registry.get(cid)
    assert claim.scales["quick"]["instances"] >= 3 and claim.scales["smoke"]["instances"] >= 1
    assert len(claim.family.description) > 40


@pytest.mark.parametrize("cid", ["E0", "E1", "R1", "S1", "K1", "K4"])
def test_draws_are_reproducible_and_distinct(cid: str) -> None:
    a, b = draw(cid, 3), draw(cid, 3)
    assert [i.label for i in a] == [i.label for i in b]
    assert len({i.label.split(" ", 1)[1] for i in a}) == 3


def test_least_squares_family_is_noise_dominated() -> None:
    for inst in draw("E1", 6):
        p = inst.keywords["problem"]
        assert p.noise**2 * np.trace(p.cov) >= 4 * p.D**2 * p.sigma_L2 * (1 - 1e-12)
        assert 3 <= p.dim <= 12


def test_far_family_starts_where_standing_still_breaks_theorem_r() -> None:
    """At the grid's largest T, f(x_1) − f* exceeds Theorem R's bound (so the stand-still
    control can fail) on every instance."""
    k = A.make("ctma(cwtm)").kappa(17, 4)
    for inst in draw("R1", 8):
        p = inst.keywords["problem"]
        gap = float(p.value(p.x0) - p.f_star)
        bound = float(theorem_r(p, kappa_=k, m=17, f=4, T=2000, eta=1 / (8 * p.L * 2000)))
        assert gap > bound, inst.label
        assert np.allclose(p.x0, -p.radius * np.ones(p.dim) / np.sqrt(p.dim))


def test_s1_family_cycles_attacks_and_starts_close() -> None:
    insts = draw("S1", 6)
    assert [i.keywords["attack"] for i in insts] == list(families.S1_ATTACKS) * 2
    for inst in insts:
        p = inst.keywords["problem"]
        assert p.L * np.sum((p.x0 - p.x_star) ** 2) <= p.sigma2 / 2


def test_kappa_sizes_admit_every_rule_of_the_table() -> None:
    for inst in draw("K1", 20):
        m, f = inst.keywords["m"], inst.keywords["f"]
        assert 7 <= m <= 41 and 1 <= f and m >= 2 * f + 3
    for inst in draw("K3", 20):
        assert inst.keywords["m"] <= 10


def test_e0_family_has_additive_noise() -> None:
    for inst in draw("E0", 4):
        p = inst.keywords["problem"]
        assert p.sigma_L2 == 0.0 and p.dim >= 100


def test_claims_on_one_family_share_their_instances() -> None:
    for a, b in (("R1", "R2"), ("R1", "R3"), ("E1", "E2")):
        la = [i.label for i in claims.instances(a, "quick")]
        assert la == [i.label for i in claims.instances(b, "quick")]
    assert claims.instances("R1", "smoke")[0].label == claims.instances("R1", "quick")[0].label
