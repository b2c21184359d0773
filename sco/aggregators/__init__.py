"""Robust aggregators, the CTMA meta-aggregator, NNM and bucketing (docs/theory.md §2).

Every rule is a pure function ``rule(x[..., m, d], *, f, **params) -> [..., d]`` that batches
exactly over leading axes and never mutates its input; :func:`make` builds a configured
:class:`Aggregator` from a spec string (``"ctma(cwtm)"``, ``"multi_krum(k=5)"``,
``"bucketing(cwmed, s=2)"``). Non-finite rows are treated as infinitely far (see ``_common``).
"""

from __future__ import annotations

from . import _builtin  # noqa: F401 - the built-in rules register themselves
from .bucketing import bucketing, default_bucket_size
from .bulyan import bulyan
from .centered_clipping import centered_clipping
from .clipping import arc, clip
from .coordinatewise import cwmed, cwtm
from .ctma import ctma
from .geometric_median import (
    GeometricMedianCertificate,
    geometric_median,
    geometric_median_certified,
)
from .krum import krum, krum_scores, multi_krum
from .mda import mda
from .meamed import meamed
from .mean import mean
from .nnm import nnm, nnm_mix
from .registry import (
    ALIASES,
    Aggregator,
    AggregatorLike,
    make,
    names,
    register,
    resolve,
    unregister,
)

__all__ = [
    "ALIASES",
    "Aggregator",
    "AggregatorLike",
    "GeometricMedianCertificate",
    "arc",
    "bucketing",
    "bulyan",
    "centered_clipping",
    "clip",
    "ctma",
    "cwmed",
    "cwtm",
    "default_bucket_size",
    "geometric_median",
    "geometric_median_certified",
    "krum",
    "krum_scores",
    "make",
    "mda",
    "meamed",
    "mean",
    "multi_krum",
    "names",
    "nnm",
    "nnm_mix",
    "register",
    "resolve",
    "unregister",
]
