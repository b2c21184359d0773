"""Theory as code: bounds, statistics, checkers, claims, sweeps, reports and the ``sco`` CLI."""

from __future__ import annotations

from sco import __version__

__all__ = ["__version__"]
