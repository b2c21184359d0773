"""``problems.make("heterogeneous_quadratic", kind=..., ...)``: the scalar-keyword builder of
:class:`problems.HeterogeneousQuadratic` for TOML sweeps (docs/theory.md §7).

Every keyword is a number or a string (what a TOML problem table holds) and is validated,
with a one-line ``ValueError`` naming it and its range, before anything is computed.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_int, check_real
from .heterogeneous import HeterogeneousQuadratic

KINDS = ("two_point", "h1", "random", "pure_g", "pure_b")

# the keywords each kind needs (all others keep their defaults and are ignored)
_NEEDS = {
    "two_point": ("m", "f", "B2"),
    "h1": ("m", "f", "a"),
    "random": ("h",),
    "pure_g": ("h",),
    "pure_b": ("h",),
}


def heterogeneous_quadratic(
    kind: str = "random",
    *,
    m: int | None = None,
    f: int | None = None,
    h: int | None = None,
    dim: int = 1,
    B2: float | None = None,
    a: float | None = None,
    scenario: int = 2,
    rng: int = 0,
    sigma: float = 0.0,
    a_spread: float = 0.5,
    c_scale: float = 1.0,
    x0: float = 0.0,
) -> HeterogeneousQuadratic:
    """A :class:`HeterogeneousQuadratic` chosen by ``kind``:

    - ``"two_point"`` (needs m, f, B2): H3's 1-D pure-B profile,
      ``HeterogeneousQuadratic.two_point(m, f, B2, x0=x0, sigma=sigma)``, with 1 <= f < m/2 and
      0 <= B2 <= (m − 2f)/f; h = m − f.
    - ``"h1"`` (needs m, f, a): scenario 1 or 2 (``scenario``) of H1,
      ``HeterogeneousQuadratic.h1_scenarios(m, f, a, x0=x0, sigma=sigma)[scenario − 1]``;
      scenario 1 carries the f Byzantine objectives used by ``byzantine_data = "own"``.
    - ``"random"`` (needs h; dim): ``HeterogeneousQuadratic.random(h, dim, rng=rng,
      a_low=1 − a_spread, a_high=1 + a_spread, c_scale=c_scale, sigma=sigma)``.
    - ``"pure_g"`` (needs h; dim): equal curvatures 1, centres drawn as for "random"
      (c_i ~ N(0, (c_scale²/d) I)); B2_min = 0.
    - ``"pure_b"`` (needs h; dim): curvatures a_i ~ U[1 − a_spread, 1 + a_spread] drawn as for
      "random", every centre 0; G²(B2_min) = 0.

    Ranges: m, f, h, dim, scenario, rng integers (h, dim >= 1, f >= 1, m >= 2f + 1, scenario
    in {1, 2}, rng >= 0); B2 >= 0, sigma >= 0, c_scale >= 0, 0 <= a_spread < 1; a, x0 finite.
    Keywords a kind does not use are still validated (a typo is never silent) but ignored.
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}; got {kind!r}")
    for name in _NEEDS[kind]:
        if {"m": m, "f": f, "h": h, "B2": B2, "a": a}[name] is None:
            raise ValueError(f"{name} is required for kind = {kind!r}; got None")
    f_ = None if f is None else check_int("f", f, low=1)
    m_ = None if m is None else check_int("m", m, low=1 if f_ is None else 2 * f_ + 1)
    h_ = None if h is None else check_int("h", h, low=1)
    dim_ = check_int("dim", dim, low=1)
    b2 = None if B2 is None else check_real("B2", B2, low=0.0)
    shift = None if a is None else check_real("a", a, low=-np.inf)
    if isinstance(scenario, bool) or scenario not in (1, 2):
        raise ValueError(f"scenario must be 1 or 2; got {scenario!r}")
    seed = check_int("rng", rng, low=0)
    sig = check_real("sigma", sigma, low=0.0)
    spread = check_real("a_spread", a_spread, low=0.0)
    if not spread < 1.0:
        raise ValueError(f"a_spread must satisfy 0 <= a_spread < 1; got {a_spread!r}")
    scale = check_real("c_scale", c_scale, low=0.0)
    start = check_real("x0", x0, low=-np.inf)
    if kind == "two_point":
        assert m_ is not None and f_ is not None and b2 is not None
        top = (m_ - 2 * f_) / f_
        if not b2 <= top:
            raise ValueError(f"B2 must satisfy 0 <= B2 <= (m - 2f)/f = {top:.6g}; got {B2!r}")
        return HeterogeneousQuadratic.two_point(m_, f_, b2, x0=start, sigma=sig)
    if kind == "h1":
        assert m_ is not None and f_ is not None and shift is not None
        pair = HeterogeneousQuadratic.h1_scenarios(m_, f_, shift, x0=start, sigma=sig)
        return pair[scenario - 1]
    assert h_ is not None
    lo, hi = 1.0 - spread, 1.0 + spread
    if kind == "random":
        return HeterogeneousQuadratic.random(
            h_, dim_, rng=seed, a_low=lo, a_high=hi, c_scale=scale, sigma=sig
        )
    gen = np.random.default_rng(seed)
    if kind == "pure_g":
        c = gen.standard_normal((h_, dim_)) * (scale / math.sqrt(dim_))
        return HeterogeneousQuadratic.pure_g(c, sigma=sig)
    curv = gen.uniform(lo, hi, size=h_)
    return HeterogeneousQuadratic.pure_b(curv, np.zeros(dim_), sigma=sig)
