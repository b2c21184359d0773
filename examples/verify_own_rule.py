"""Verify your own aggregation rule with byzsco (the guide's worked example, docs/guide.md).

The rule here, "far trim", drops the 2f rows farthest from the coordinate-wise median and averages
the rest: a plain function ``rule(x[..., m, d], *, f) -> [..., d]``, nothing registered. Run:

    python examples/verify_own_rule.py            # smoke scale, about a minute

It prints each verdict; the test suite runs it and checks that every verdict is what it says.
"""

from __future__ import annotations

import numpy as np

import problems
import sco
from sco.testing import check_aggregator
from verify import Measurement, bounds, checks, claims


def far_trim(x: np.ndarray, *, f: int) -> np.ndarray:
    """Mean of the m − 2f rows nearest to the coordinate-wise median.

    ``x[..., m, d] -> [..., d]``.
    """
    x = np.asarray(x, dtype=np.float64)
    m = x.shape[-2]
    centre = np.median(x, axis=-2, keepdims=True)
    dist = np.sum((x - centre) ** 2, axis=-1)
    keep = np.argsort(dist, axis=-1, kind="stable")[..., : m - 2 * f]
    return np.take_along_axis(x, keep[..., None], axis=-2).mean(axis=-2)


def main(scale: str = "smoke") -> dict[str, object]:
    out: dict[str, object] = {}

    # 1. Conformance: purity, exact batching, permutation invariance (a plain function declares
    #    no κ and no equivariance: those checks are reported in report.skipped, with the reason).
    report = check_aggregator(far_trim, m=11, f=2)
    out["conformance"] = report.checks

    # 2. K1's adversarial search, with the rule held to CTMA(CWTM)'s κ (any rule's constant
    # works; CWTM's own is its exact κ* = f/(m − 2f), the lower bound no other rule can meet).
    v = claims.run("K1", scale, aggregators=(far_trim,), kappa_of="ctma(cwtm)")
    out["K1 vs CTMA(CWTM)'s κ"] = v

    # 3. Lemma A's rate and Theorem R under ALIE, against CTMA(CWTM)'s bound.
    out["R1"] = claims.run("R1", scale, aggregator=far_trim, kappa_of="ctma(cwtm)")
    out["R2"] = claims.run("R2", scale, aggregator=far_trim, kappa_of="ctma(cwtm)")

    # 4. A check of your own: the aggregated error of μ²-SGD under ALIE on a noise-dominated
    #    least-squares problem (s²·tr Σ ≥ 4D²σ_L², where Lemma A's slope −1 is a law), against
    #    S²/t with CTMA(CWTM)'s κ, for your rule and for CTMA(CWTM) itself.
    p = problems.LeastSquares.random(5, cond=3.0, noise=15.0, rng=7)
    kappa = sco.aggregators.make("ctma(cwtm)").kappa(17, 4)
    for name, rule in (("far_trim", far_trim), ("ctma(cwtm)", "ctma(cwtm)")):
        tr = sco.simulate(
            p, aggregator=rule, attack="alie", estimator="mu2sgd", m=17, f=4, T=2000,
            lr="theory", seeds=64, rng=0, record=("est_err",),
        )  # fmt: skip
        keep = tr.steps >= 20
        t = tr.steps[keep].astype(float)
        bound = bounds.get("lemma_a").evaluate(
            t=t, kappa=kappa, m=17, f=4, **bounds.problem_constants(p)
        )
        meas = Measurement(
            t, tr["est_err"][:, keep], bound, tr.diverged, instance="least squares d=5 s=15",
            x_name="t", quantity="E‖d̂_t − ∇f(x_t)‖²",
        )  # fmt: skip
        out[f"{name}: bound"] = checks.check_upper_bound(meas, claim=name)
        out[f"{name}: slope"] = checks.check_slope(meas, -1.0, 0.1, claim=name)
    return out


if __name__ == "__main__":
    for name, result in main().items():
        print(f"{name}: {result}")
