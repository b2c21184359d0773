"""Omniscient Byzantine attacks (docs/theory.md §3): ``attack(honest[..., h, d], *, f, rng,
aggregator=None) -> [..., f, d]``; :func:`make` parses specs such as ``"ipm(eps=0.5)"``.
Label flipping and the CTMA code's sign flip are simulation options
(``byzantine_data="label_flip"`` / ``"sign_flip"``): the Byzantine workers run the honest
estimator on their own samples. :func:`resolve` also accepts plain callables.
"""

from __future__ import annotations

from .adaptive_search import adaptive, directions
from .registry import Attack, make, names, register, resolve, unregister
from .simple import (
    alie,
    alie_z,
    anti_sign,
    constant,
    copy_cluster,
    gaussian,
    huge,
    inf,
    ipm,
    mimic,
    nan,
    sign_flip,
)

__all__ = [
    "Attack",
    "adaptive",
    "alie",
    "alie_z",
    "anti_sign",
    "constant",
    "copy_cluster",
    "directions",
    "gaussian",
    "huge",
    "inf",
    "ipm",
    "make",
    "mimic",
    "names",
    "nan",
    "register",
    "resolve",
    "sign_flip",
    "unregister",
]
