"""Omniscient Byzantine attacks (docs/theory.md §3): ``attack(honest[..., h, d], *, f, rng,
aggregator=None) -> [..., f, d]``; :func:`make` parses specs such as ``"ipm(eps=0.5)"``.
Label flipping is a simulation option (``byzantine_data="label_flip"``), not a message attack.
"""

from __future__ import annotations

from .adaptive_search import adaptive, directions
from .registry import Attack, make, names
from .simple import alie, alie_z, constant, gaussian, huge, inf, ipm, mimic, nan, sign_flip

__all__ = [
    "Attack",
    "adaptive",
    "alie",
    "alie_z",
    "constant",
    "directions",
    "gaussian",
    "huge",
    "inf",
    "ipm",
    "make",
    "mimic",
    "names",
    "nan",
    "sign_flip",
]
