"""An outside project's plug-ins, registered through byzsco's public API."""

import numpy as np

import problems
import sco


def meamed(x, *, f):
    """Mean around the median: per coordinate, the mean of the m − f values nearest the median."""
    med = np.median(x, axis=-2, keepdims=True)
    near = np.argsort(np.abs(x - med), axis=-2, kind="stable")[..., : x.shape[-2] - f, :]
    return np.take_along_axis(x, near, axis=-2).mean(axis=-2)


sco.aggregators.register(
    "lab_meamed",
    meamed,
    kappa=lambda m, f, base: 10 * (1 + f / (m - 2 * f)) ** 2,
    reference="Xie et al. 2018 (mean around the median)",
    equivariant=True,
    robust=False,
)
sco.estimators.register("slow_sgd", lambda: sco.estimators.momentum(beta=0.5))
problems.register("tiny_quadratic", lambda rng=0: problems.Quadratic.random(3, cond=2.0, rng=rng))
