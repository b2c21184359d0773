"""The simulated Byzantine-robust distributed optimiser (Dahan & Levy, ICML 2024).

``sco`` depends on numpy and scipy only; problems plug in through the :class:`Problem` protocol.
"""

from __future__ import annotations

from ._version import __version__
from .problem import Problem

__all__ = ["Problem", "__version__"]
