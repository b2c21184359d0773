"""The simulated Byzantine-robust distributed optimiser (Dahan & Levy, ICML 2024).

``sco`` depends on numpy and scipy only; problems plug in through the :class:`Problem` protocol.
:func:`simulate` runs the optimiser and returns a :class:`Trace`.
Subpackages: :mod:`sco.aggregators` (robust rules, CTMA, NNM, bucketing), :mod:`sco.attacks`,
:mod:`sco.estimators` (SGD, worker momentum, μ²-SGD),
:mod:`sco.robustness` (measuring κ pathwise), :mod:`sco.testing` (conformance suite).
"""

from __future__ import annotations

from typing import Any

from . import aggregators, attacks, estimators, robustness
from ._version import __version__
from .problem import Problem
from .simulate import simulate
from .trace import Trace

__all__ = [
    "Problem",
    "Trace",
    "__version__",
    "aggregators",
    "attacks",
    "estimators",
    "presets",
    "robustness",
    "simulate",
    "testing",
]


def __getattr__(name: str) -> Any:
    """``sco.testing`` and ``sco.presets`` are imported on first access (``sco.testing``
    imports neither pytest nor hypothesis at module level, but nothing in ``import sco`` needs
    either)."""
    if name in ("testing", "presets"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
