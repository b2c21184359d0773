"""The claims of THEORY.md §5: ``ids()``, ``run(id, scale, negative=False) -> Verdict``."""

from __future__ import annotations

from . import aggregation, rates  # noqa: F401  (registers the claims)
from .registry import SCALES, Claim, get, ids, run

__all__ = ["SCALES", "Claim", "get", "ids", "run"]
