"""The built-in rules, registered through the public :func:`sco.aggregators.register`."""

from __future__ import annotations

from .bucketing import bucketing
from .bulyan import SELECTORS, bulyan
from .centered_clipping import centered_clipping
from .clipping import arc, clip
from .coordinatewise import cwmed, cwtm
from .ctma import TIES, ctma
from .geometric_median import geometric_median
from .krum import krum, multi_krum
from .mda import mda
from .meamed import meamed
from .mean import mean
from .nnm import nnm
from .registry import (
    _kappa_ctma,
    _kappa_cwtm,
    _kappa_krum,
    _kappa_mean,
    _kappa_median,
    _kappa_nnm,
    register,
)

_T2 = "docs/theory.md §2"

register(
    "mean", mean, kappa=_kappa_mean, equivariant=True, min_workers=lambda f: 1, coordinatewise=True
)
register(
    "cwtm",
    cwtm,
    kappa=_kappa_cwtm,
    reference=_T2,
    robust=True,
    equivariant=True,
    coordinatewise=True,
)
register(
    "cwmed",
    cwmed,
    kappa=_kappa_median,
    reference=_T2,
    robust=True,
    equivariant=True,
    coordinatewise=True,
)
register(
    "gm",
    geometric_median,
    kappa=_kappa_median,
    rtol=1e-6,
    aliases=("geometric_median",),
    reference=_T2,
    robust=True,
    equivariant=True,
)
register(
    "krum",
    krum,
    kappa=_kappa_krum,
    min_workers=lambda f: 2 * f + 3,
    reference="Blanchard et al. 2017",
    robust=True,
    equivariant=True,
)
register(
    "multi_krum",
    multi_krum,
    min_workers=lambda f: 2 * f + 3,
    reference="Blanchard et al. 2017",
    robust=True,
    equivariant=True,
)
register(
    "cc",
    centered_clipping,
    aliases=("centered_clipping",),
    reference="Karimireddy, He & Jaggi 2021",
    robust=True,
    equivariant=True,
)
register(
    "ctma",
    ctma,
    kappa=_kappa_ctma,
    meta=True,
    choices={"ties": TIES},
    reference="Dahan & Levy 2024",
    robust=True,
    equivariant=True,
)
register(
    "nnm",
    nnm,
    kappa=_kappa_nnm,
    meta=True,
    reference="Allouah et al. 2023",
    robust=True,
    equivariant=True,
)
register(
    "bucketing",
    bucketing,
    meta=True,
    randomised=True,
    reference="Karimireddy, He & Jaggi 2022",
    robust=True,
    equivariant=True,
)
register(
    "meamed",
    meamed,
    reference="Xie, Koyejo & Gupta 2018",
    robust=True,
    equivariant=True,
    coordinatewise=True,
)
register(
    "mda",
    mda,
    reference="El Mhamdi, Guerraoui & Rouault 2018",
    robust=True,
    equivariant=True,
)
register(
    "bulyan",
    bulyan,
    min_workers=lambda f: 4 * f + 3,
    choices={"selector": SELECTORS},
    reference="El Mhamdi, Guerraoui & Rouault 2018",
    robust=True,
    equivariant=True,
)
register(
    "clip",
    clip,
    meta=True,
    min_workers=1,  # its own need; the base's min_workers applies on top
    reference="static norm clipping before aggregation",
    robust=True,
    equivariant=False,
)
register(
    "arc",
    arc,
    meta=True,
    reference="Allouah et al. 2024",
    robust=True,
    equivariant=False,
)
