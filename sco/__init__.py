"""The simulated Byzantine-robust distributed optimiser (Dahan & Levy, ICML 2024).

``sco`` depends on numpy and scipy only; problems plug in through the :class:`Problem` protocol.
Subpackages: :mod:`sco.aggregators` (robust rules, CTMA, NNM, bucketing), :mod:`sco.attacks`,
:mod:`sco.robustness` (measuring κ pathwise), :mod:`sco.testing` (conformance suite).
"""

from __future__ import annotations

from . import aggregators, attacks, robustness
from ._version import __version__
from .problem import Problem

__all__ = [
    "Problem",
    "__version__",
    "aggregators",
    "attacks",
    "robustness",
]
