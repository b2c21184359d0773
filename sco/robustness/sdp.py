r"""κ* of Krum, Multi-Krum, CTMA(Krum) and NNM∘Krum by semidefinite programming over the Gram
matrix (docs/theory.md §6).

Formulation
-----------
Write h = #S (m − f under attack, m with ``no_attack``); S is rows 0..h−1. The ratio is
invariant under translation and scaling, so fix x̄_S = 0 and V_S = 1. With x̄_S = 0 every
column of X ``[m, d]`` is orthogonal to 1_S, so X = Q Y for an orthonormal basis Q ``[m, m−1]``
of 1_S^⊥ and the Gram matrix is G = X Xᵀ = Q Z Qᵀ with Z ``[m−1, m−1]`` ⪰ 0. For d ≥ m every
such Z is the Gram matrix of some instance, so nothing is lost. Every quantity the rules
compare is linear in Z:

* D_il = ‖x_i − x_l‖² = (q_i − q_l)ᵀ Z (q_i − q_l) (q_i the rows of Q); for NNM the points are
  y = W x with the mixing matrix W, and D^y_il = (w_i − w_l)ᵀ Q Z Qᵀ (w_i − w_l);
* V_S = (1/h) Σ_{i∈S} G_ii = 1;
* the error of an output a = cᵀX is ‖a − x̄_S‖² = (Qᵀc)ᵀ Z (Qᵀc).

A *pattern* fixes the combinatorial outcome of the rule: the selected row j and a neighbour set
N_j of n = m − f − 2 other rows (Krum), the kept set of CTMA, the mixing sets of NNM, the k
selected rows of Multi-Krum and each one's neighbour set. Given the pattern, the rule's choice
is described by linear constraints:

* "row i scores at most t" (i selected): Σ_{l∈N_i} D_il ≤ t. Since the score is the minimum of
  that sum over all n-sets, the union over N_i of these constraints is exact;
* "row i scores at least t" (i not selected): the sum of the n smallest of D_il (l ≠ i) is
  concave in D, and s_i ≥ t ⟺ ∃τ_i, u_il ≥ 0: u_il ≥ τ_i − D_il and n τ_i − Σ_l u_il ≥ t. No
  enumeration of the other rows' neighbour sets is needed;
* "i is kept, l is dropped by CTMA around x_j": D_ji ≤ D_jl; NNM's sets likewise. Since
  n = m − f − 2 < m − f − 1, Krum's n nearest neighbours of x_j lie in CTMA's kept set, so N_j
  is only chosen inside it; with ``ties="inclusive"`` the rows at the cut get equalities.

The SDP of one pattern maximises the error subject to these constraints; κ* is the maximum over
patterns, i.e. the supremum of the ratio over the closure of the set where the implemented rule
behaves as the pattern says. A worst case usually sits on a tie (two equal scores), so with the
implemented "lowest index wins" rule κ* may be a supremum rather than a maximum.

Symmetry: the problem is invariant under permutations of S and of the other rows, so a
pattern only matters up to such permutations. For Krum and CTMA(Krum) the pattern is a
composition (how many rows of S and of the rest fall in each cell: neighbour, kept, at the cut,
dropped); for Multi-Krum and NNM∘Krum, whose patterns are relations between rows, the patterns
are enumerated and reduced to orbits under the permutations that fix the selected rows' cells.

Certificates
------------
Every constraint except V_S = 1 is homogeneous in (Z, τ, u, t), so the dual objective of a
pattern's SDP is the multiplier ν of V_S = 1. Each pattern is first solved at
:data:`SCREEN_TOL`; its bound is max(ν, primal)·(1 + :data:`LOOSE_SAFETY`). Every pattern
whose loose bound reaches the best screened value is solved again at :data:`TIGHT_TOL` (10× and
100× that when Clarabel stops at "optimal_inaccurate", keeping the better primal and the larger
bound), with the bound max(ν, primal)·(1 + :data:`SAFETY`) + 1e-9. ``upper`` is the largest
bound over the patterns; patterns Clarabel proves infeasible contribute nothing, and one it
cannot solve makes ``upper`` infinite.

This is a *numerical* certificate, not an exact-arithmetic one. The optimum of these SDPs sits
on ties (no strict complementarity), and Clarabel's objective values then carry a relative
error of about 1e-7 to 1e-6 even when it reports "optimal" at 1e-9 (independent solves of the
same pattern differ by up to 1.5e-6 relative, and a dual value was seen 1.3e-6 below a ratio
realised by an explicit instance). SAFETY = 1e-5 covers that with a factor of about 7; the
tests check it against adversarial searches and against local searches started at the
optimum. ``lower`` is rigorous (up to floating point): the ratio the *implemented* rule
realises on ``instance``, a factor of the optimal G with the rows ordered so that index ties go
the pattern's way. When that does not realise the value to 1e-6 (a tie the rule breaks the
other way), a second SDP maximises a margin μ on every pattern inequality subject to error ≥
(1 − δ)·value, δ = 1e-7 … 1e-3, and ``supremum`` is set: κ* is then approached, not attained,
by the implemented rule (or only attained on an exact tie that rounding does not reproduce).

Budget (:func:`applies`)
------------------------
Everything needs m ≤ :data:`MAX_M` (SDPs of size m) and m ≥ 2f + 3. Krum, Multi-Krum(k = 1),
CTMA(Krum) with ``ties="stable"`` and NNM∘Krum with f = 0 need O(f²) compositions: always.
CTMA(Krum) with ``ties="inclusive"`` adds the patterns with ties at the cut: at most
:data:`MAX_PATTERNS` of them (m ≤ 13 at f = 5, for instance). Multi-Krum (2 ≤ k < m) and
NNM∘Krum (f ≥ 1) enumerate relations between rows; they apply when the raw enumeration has at
most :data:`MAX_RAW` patterns, the reduction to orbits at most :data:`MAX_WORK` steps and the
expected number of orbits is at most
:data:`MAX_PATTERNS` — in practice m = 5, f = 1 for the default Multi-Krum and for NNM∘Krum
(about 3 s and 10 s), small k at larger m. Multi-Krum with k = m is the mean: κ* = 0 for f = 0,
unbounded (not handled) otherwise.

Speed: κ*(Krum; 17, f) for f = 1..7 takes about 14 s in total on one core (CTMA(Krum): 30 s).
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..aggregators import Aggregator
from ..aggregators.ctma import ctma as ctma_fn
from ..aggregators.krum import krum as krum_fn
from ..aggregators.krum import multi_krum as multi_krum_fn
from ..aggregators.nnm import nnm as nnm_fn
from .result import KappaStar
from .search import ratio

#: Largest m for Krum and CTMA(Krum) (SDPs of size m, O(f²) of them).
MAX_M = 24
#: Largest raw enumeration (before the symmetry reduction) for Multi-Krum and NNM∘Krum.
MAX_RAW = 40_000
#: Largest canonicalisation work (relations × permutations tried) for the same families.
MAX_WORK = 500_000
#: Largest expected number of patterns (orbits) for Multi-Krum and NNM∘Krum.
MAX_PATTERNS = 2_500
#: Clarabel's tolerances: screening all patterns, then re-solving the best ones.
SCREEN_TOL = 1e-7
TIGHT_TOL = 1e-9
#: Relative safety margins added to the solver's dual value: after a tight solve, and after a
#: screening solve (module docstring, "Certificates").
SAFETY = 1e-5
LOOSE_SAFETY = 1e-3

Pair = tuple[int, int]


@dataclass(frozen=True)
class Pattern:
    """One combinatorial outcome of a rule on m rows (rows 0..h−1 form S).

    Attributes
    ----------
    name : str
        A readable description (cell sizes).
    out : ndarray, shape (m,)
        The output is ``out @ x``.
    chosen : tuple of (row, neighbours)
        Rows whose Krum score (on the mixed points) must be ≤ t, with the set whose distance sum
        bounds it; every other row must score ≥ t.
    mix : ndarray, shape (m, m), or None
        NNM's mixing matrix W: Krum scores are those of W x (None: the identity).
    order : tuple of (pair, pair)
        D_ab ≤ D_cd on x for ((a, b), (c, d)) (CTMA's kept set, NNM's mixing sets).
    equal : tuple of (pair, pair)
        D_ab = D_cd on x (CTMA ``ties="inclusive"``: rows at the cut).
    """

    name: str
    out: np.ndarray
    chosen: tuple[tuple[int, tuple[int, ...]], ...]
    mix: np.ndarray | None = None
    order: tuple[tuple[Pair, Pair], ...] = ()
    equal: tuple[tuple[Pair, Pair], ...] = ()


# --------------------------------------------------------------------------------------------
# which rules, and how many patterns


def _rule(agg: Aggregator) -> tuple[str, dict[str, Any]] | None:
    """("krum" | "multi_krum" | "ctma" | "nnm", parameters) for the rules handled here: the
    toolkit's own functions (a user's rule registered under one of these names is not)."""
    fn, params = agg.entry.func, dict(agg.params)
    if agg.base is None:
        if fn is krum_fn:
            return "krum", {}
        if fn is multi_krum_fn:
            return "multi_krum", {"k": params.get("k")}
        return None
    base = agg.base
    if base.base is not None or base.entry.func is not krum_fn:
        return None
    if fn is ctma_fn:
        return "ctma", {"ties": params.get("ties", "stable")}
    if fn is nnm_fn:
        return "nnm", {}
    return None


def _estimate(kind: str, m: int, f: int, s: int, k: int) -> tuple[int, int, float]:
    """(raw enumeration size, canonicalisation work, expected number of orbits) of the
    relational families: per composition of the fixed cells, the relations enumerated, the
    permutations tried on each, and their ratio (at least 1)."""
    n = m - f - 2
    fact = math.factorial
    raw = work = 0
    orbits = 0.0
    if kind == "multi_krum":
        per = math.comb(m - 1, n) ** k
        for k0 in range(max(0, k - (m - s)), min(k, s) + 1):
            perms = fact(k0) * fact(s - k0) * fact(k - k0) * fact(m - s - k + k0)
            raw += per
            work += per * perms if per > 1 else 0
            orbits += max(1.0, per / perms)
        return raw, work, orbits
    per = math.comb(m - 1, f) ** m  # nnm: the mixing sets, per (j, N_j) composition
    for _, sizes in _groups(s, m):
        for counts in _splits([n, m - 1 - n], sizes):
            perms = math.prod(fact(c) for pair in counts for c in pair)
            raw += per
            work += per * perms if per > 1 else 0
            orbits += max(1.0, per / perms)
    return raw, work, orbits


def applies(agg: Aggregator, m: int, f: int) -> bool:
    """True when :func:`sdp_kappa` handles ``agg`` at (m, f) within its budget: Krum,
    Multi-Krum (any k), CTMA(Krum) (both ``ties``) and NNM∘Krum, with m ≥ 2f + 3; Krum,
    Multi-Krum(k = 1) and CTMA(Krum) for m ≤ :data:`MAX_M`; Multi-Krum (k ≥ 2) and NNM∘Krum
    when the enumeration is small (module docstring, "Budget")."""
    got = _rule(agg)
    if got is None or f < 0 or m < 2 * f + 3 or m > MAX_M:
        return False
    kind, params = got
    if kind == "krum" or (kind == "nnm" and f == 0):
        return True
    if kind == "ctma":
        if f == 0 or params["ties"] != "inclusive":
            return True
        first = itertools.islice(ctma_patterns(m, f, m - f, "inclusive"), MAX_PATTERNS + 1)
        return sum(1 for _ in first) <= MAX_PATTERNS
    k = m - f if params.get("k") is None else int(params["k"])
    if not 1 <= k <= m:
        return False
    if k == m:  # the mean of every row: κ* = 0 for f = 0, unbounded otherwise
        return f == 0
    if k == 1:
        return True
    for s in (m - f, m):  # under attack and without
        raw, work, orbits = _estimate(kind, m, f, s, k)
        if raw > MAX_RAW or work > MAX_WORK or orbits > MAX_PATTERNS:
            return False
    return True


# --------------------------------------------------------------------------------------------
# pattern families


def _layout(s: int, m: int, jg: int, counts: Sequence[tuple[int, int]]) -> tuple[int, list]:
    """Row indices for a composition: j first in its group (0 = S, 1 = the rest), then the
    cells in the given order, each with counts (in S, outside S). Returns (j, cells)."""
    nxt = [0, s]
    j = nxt[jg]
    nxt[jg] += 1
    cells = []
    for c0, c1 in counts:
        cells.append(list(range(nxt[0], nxt[0] + c0)) + list(range(nxt[1], nxt[1] + c1)))
        nxt[0] += c0
        nxt[1] += c1
    assert nxt == [s, m]
    return j, cells


def _splits(totals: Sequence[int], sizes: tuple[int, int]) -> Iterator[list[tuple[int, int]]]:
    """Every way to split cell totals between the two groups with the given group sizes."""
    ranges = [range(max(0, t - sizes[1]), min(t, sizes[0]) + 1) for t in totals]
    for firsts in itertools.product(*ranges):
        if sum(firsts) == sizes[0] and sum(totals) - sum(firsts) == sizes[1]:
            yield [(a, t - a) for a, t in zip(firsts, totals, strict=True)]


def _groups(s: int, m: int) -> Iterator[tuple[int, tuple[int, int]]]:
    """(group of j, sizes of the two groups without j)."""
    for jg in (0, 1):
        size = s if jg == 0 else m - s
        if size > 0:
            yield jg, (s - (jg == 0), m - s - (jg == 1))


def _unit(m: int, idx: Sequence[int], w: float = 1.0) -> np.ndarray:
    c = np.zeros(m)
    c[list(idx)] = w
    return c


def krum_patterns(m: int, f: int, s: int, n: int | None = None) -> Iterator[Pattern]:
    """Krum: j (in S or not) and the composition of its neighbour set (n = m − f − 2 rows by
    default; ``n`` is exposed so that tests can plant a wrong neighbour count)."""
    n = m - f - 2 if n is None else n
    for jg, sizes in _groups(s, m):
        for counts in _splits([n, m - 1 - n], sizes):
            j, (nb, _) = _layout(s, m, jg, counts)
            yield Pattern(
                f"j in {'S' if jg == 0 else 'rest'}, neighbours {counts[0][0]}+{counts[0][1]}",
                _unit(m, [j]),
                ((j, tuple(nb)),),
            )


def ctma_patterns(m: int, f: int, s: int, ties: str) -> Iterator[Pattern]:
    """CTMA(Krum): x₀ = x_j (Krum's choice), its neighbour set N_j inside the kept set, the
    kept set K (#K = m − f, j ∈ K, every kept row at most as far from x_j as every dropped
    one). With ``ties="inclusive"`` also the patterns with e ≥ 1 extra rows kept at the cut:
    #K' = m − f + e, a set T ⊆ K' \\ {j} of at least e + 1 rows at the same distance c from
    x_j, the other kept rows at most c away and the dropped ones at least c away; the output is
    x_j + Σ_{i∈K'} (x_i − x_j)/(m − f)."""
    n, keep = m - f - 2, m - f
    for jg, sizes in _groups(s, m):
        for counts in _splits([n, keep - 1 - n, m - keep], sizes):
            j, (nb, kk, out) = _layout(s, m, jg, counts)
            kept = [j, *nb, *kk]
            order = tuple(((j, i), (j, o)) for i in nb + kk for o in out)
            yield Pattern(
                f"j in {'S' if jg == 0 else 'rest'}, neighbours {counts[0]}, kept {counts[1]}",
                _unit(m, kept, 1.0 / keep),
                ((j, tuple(nb)),),
                order=order,
            )
        if ties != "inclusive":
            continue
        for e in range(1, m - keep + 1):
            size = keep + e - 1  # |K'| − 1
            for nt in range(0, n + 1):
                for t_only in range(0, size - n + 1):
                    # N_j may be taken as the n nearest: no row at the cut in N_j while a
                    # row strictly inside stays out of it
                    if nt + t_only < e + 1 or (nt > 0 and size - n - t_only > 0):
                        continue
                    totals = [n - nt, nt, size - n - t_only, t_only, m - keep - e]
                    for counts in _splits(totals, sizes):
                        j, (nb, nbt, kk, tt, out) = _layout(s, m, jg, counts)
                        cut = nbt + tt
                        below = nb + kk
                        order = tuple(((j, i), (j, cut[0])) for i in below)
                        order += tuple(((j, cut[0]), (j, o)) for o in out)
                        equal = tuple(((j, cut[0]), (j, c)) for c in cut[1:])
                        c = _unit(m, [j, *below, *cut], 1.0 / keep)
                        c[j] += 1.0 - (keep + e) / keep
                        yield Pattern(
                            f"inclusive e={e}, j in {'S' if jg == 0 else 'rest'}, cells {counts}",
                            c,
                            ((j, tuple(nb + nbt)),),
                            order=order,
                            equal=equal,
                        )


def _cell_perms(cells: Sequence[Sequence[int]], m: int) -> list[np.ndarray]:
    """Every permutation of range(m) that permutes rows inside each cell (and fixes the rest)."""
    perms = []
    for choice in itertools.product(*(itertools.permutations(c) for c in cells)):
        p = np.arange(m)
        for c, img in zip(cells, choice, strict=True):
            p[list(c)] = img
        perms.append(p)
    return perms


def multi_krum_patterns(m: int, f: int, s: int, k: int) -> Iterator[Pattern]:
    """Multi-Krum(k): the selected set K (composition: K ∩ S first, then K \\ S) and a
    neighbour set for each selected row; the output is the mean of K. The neighbour sets are
    enumerated and reduced to orbits under the permutations fixing K ∩ S, S \\ K, K \\ S and
    the rest."""
    n = m - f - 2
    if k == 1:
        yield from krum_patterns(m, f, s)
        return
    for k0 in range(max(0, k - (m - s)), min(k, s) + 1):
        sel = list(range(k0)) + list(range(s, s + k - k0))
        cells = [range(k0), range(k0, s), range(s, s + k - k0), range(s + k - k0, m)]
        options = [
            [c for c in itertools.combinations([r for r in range(m) if r != i], n)] for i in sel
        ]
        single = math.prod(len(o) for o in options) == 1
        perms = [np.arange(m)] if single else _cell_perms([list(c) for c in cells], m)
        seen: set[tuple] = set()
        for nbs in itertools.product(*options):
            key = min(
                tuple(
                    sorted(
                        (int(p[i]), tuple(sorted(int(p[r]) for r in nb)))
                        for i, nb in zip(sel, nbs, strict=True)
                    )
                )
                for p in perms
            )
            if key in seen:
                continue
            seen.add(key)
            yield Pattern(
                f"|K∩S|={k0}, |K\\S|={k - k0}, neighbours {[nb for _, nb in key]}",
                _unit(m, sel, 1.0 / k),
                tuple(key),
            )


def nnm_patterns(m: int, f: int, s: int) -> Iterator[Pattern]:
    """NNM∘Krum: each row's mixing set M_i (itself and its m − f − 1 nearest others; D_il ≤
    D_ip for l ∈ M_i, p ∉ M_i), then Krum on y = W x with W_il = 1/(m − f) on M_i: the selected
    y_j and the composition of its neighbour set among the y's. The mixing sets are enumerated
    and reduced to orbits under the permutations fixing j's cells; the output is y_j."""
    n, keep = m - f - 2, m - f
    for jg, sizes in _groups(s, m):
        for counts in _splits([n, m - 1 - n], sizes):
            j, (nb, rest) = _layout(s, m, jg, counts)
            cells = [[r for r in nb if r < s], [r for r in nb if r >= s]]
            cells += [[r for r in rest if r < s], [r for r in rest if r >= s]]
            options = [
                list(itertools.combinations([r for r in range(m) if r != i], keep - 1))
                for i in range(m)
            ]
            single = math.prod(len(o) for o in options) == 1
            group = [np.arange(m)] if single else _cell_perms(cells, m)
            perms = [(p.tolist(), np.argsort(p).tolist()) for p in group]
            seen: set[tuple] = set()
            for sets in itertools.product(*options):
                key = min(
                    tuple(tuple(sorted(p[r] for r in sets[inv[i]])) for i in range(m))
                    for p, inv in perms
                )
                if key in seen:
                    continue
                seen.add(key)
                w = np.zeros((m, m))
                order: list[tuple[Pair, Pair]] = []
                for i, mi in enumerate(key):
                    w[i, [i, *mi]] = 1.0 / keep
                    far = [p for p in range(m) if p != i and p not in mi]
                    order += [((i, a), (i, b)) for a in mi for b in far]
                yield Pattern(
                    f"j in {'S' if jg == 0 else 'rest'}, neighbours {counts[0]}, mixing {key}",
                    w[j].copy(),
                    ((j, tuple(nb)),),
                    mix=w,
                    order=tuple(order),
                )


def patterns(agg: Aggregator, m: int, f: int, s: int) -> Iterator[Pattern]:
    """The patterns of ``agg`` at (m, f) with #S = s (s = m − f, or m for ε*)."""
    got = _rule(agg)
    if got is None:
        raise ValueError(f"the SDP does not handle {agg.spec}")
    kind, params = got
    if kind == "krum":
        yield from krum_patterns(m, f, s)
    elif kind == "multi_krum":
        k = m - f if params["k"] is None else int(params["k"])
        yield from multi_krum_patterns(m, f, s, k)
    elif kind == "ctma":
        if f == 0:
            raise ValueError("CTMA with f = 0 is the mean: κ* = 0, no SDP needed")
        yield from ctma_patterns(m, f, s, str(params["ties"]))
    else:
        yield from nnm_patterns(m, f, s)


# --------------------------------------------------------------------------------------------
# the SDP of one pattern


def _basis(m: int, s: int) -> np.ndarray:
    """Q ``[m, m−1]``: an orthonormal basis of the vectors orthogonal to 1_S."""
    a = np.column_stack([_unit(m, range(s)), np.eye(m)])
    q, _ = np.linalg.qr(a)
    return q[:, 1:m]


def _quad(v: np.ndarray) -> np.ndarray:
    """Coefficients of vᵀZv on vec(Z): ``v[..., k] -> [..., k²]``."""
    return (v[..., :, None] * v[..., None, :]).reshape(*v.shape[:-1], -1)


@dataclass
class Solved:
    """One pattern's SDP: status, primal value, dual bound ν and the optimal Z."""

    pattern: Pattern
    status: str
    value: float
    dual: float
    z: np.ndarray | None
    tol: float


class _Program:
    """The SDP of every pattern with the same shapes, compiled once with cvxpy Parameters."""

    def __init__(self, m: int, n: int, n_chosen: int, n_order: int, n_equal: int, margin: bool):
        import cvxpy as cp

        self.m, self.n = m, n
        k = m - 1
        kk = k * k
        n_other = m - n_chosen
        z = cp.Variable((k, k), PSD=True)
        zv = cp.vec(z, order="F")
        self.z = z
        self.p_v = cp.Parameter(kk)
        self.p_obj = cp.Parameter(kk)
        self.p_chosen = cp.Parameter((n_chosen, kk))
        self.p_other = cp.Parameter((n_other * (m - 1), kk))
        cons = []
        self.norm = self.p_v @ zv == 1
        cons.append(self.norm)
        if n_chosen == 1:
            t = self.p_chosen[0] @ zv
        else:
            tv = cp.Variable()
            t = tv
            cons.append(self.p_chosen @ zv <= tv)
        mu = cp.Variable(nonneg=True) if margin else None
        dist = cp.reshape(self.p_other @ zv, (n_other, m - 1), order="C")
        tau = cp.Variable(n_other)
        u = cp.Variable((n_other, m - 1), nonneg=True)
        cons.append(u >= cp.reshape(tau, (n_other, 1), order="C") @ np.ones((1, m - 1)) - dist)
        rhs = t + mu if mu is not None else t
        cons.append(n * tau - cp.sum(u, axis=1) >= rhs)
        self.p_order = cp.Parameter((max(n_order, 1), kk))
        self.p_mask = cp.Parameter(max(n_order, 1), nonneg=True)
        if n_order:
            lhs = self.p_order @ zv
            cons.append(lhs + cp.multiply(self.p_mask, mu) <= 0 if mu is not None else lhs <= 0)
        self.p_equal = cp.Parameter((max(n_equal, 1), kk))
        if n_equal:
            cons.append(self.p_equal @ zv == 0)
        obj = self.p_obj @ zv
        if margin:
            assert mu is not None
            self.p_floor = cp.Parameter()
            cons += [obj >= self.p_floor, mu <= 1]
            self.problem = cp.Problem(cp.Maximize(mu), cons)
        else:
            self.problem = cp.Problem(cp.Maximize(obj), cons)
        self.n_order, self.n_equal = n_order, n_equal

    def load(self, pat: Pattern, q: np.ndarray, s: int) -> None:
        m = self.m
        r = q if pat.mix is None else pat.mix @ q
        self.p_v.value = _quad(q[:s]).sum(axis=0) / s
        self.p_obj.value = _quad(q.T @ pat.out)
        rows = [i for i, _ in pat.chosen]
        self.p_chosen.value = np.stack(
            [_quad(r[i] - r[list(nb)]).sum(axis=0) for i, nb in pat.chosen]
        )
        other = [i for i in range(m) if i not in rows]
        diffs = np.stack([r[i] - r[[p for p in range(m) if p != i]] for i in other])
        self.p_other.value = _quad(diffs).reshape(-1, q.shape[1] ** 2)

        def pairs(spec: Sequence[tuple[Pair, Pair]], size: int) -> np.ndarray:
            out = np.zeros((max(size, 1), q.shape[1] ** 2))
            for row, ((a, b), (c, d)) in enumerate(spec):
                out[row] = _quad(q[a] - q[b]) - _quad(q[c] - q[d])
            return out

        self.p_order.value = pairs(pat.order, self.n_order)
        mask = np.zeros(max(self.n_order, 1))
        mask[: len(pat.order)] = 1.0
        self.p_mask.value = mask
        self.p_equal.value = pairs(pat.equal, self.n_equal)

    def solve(self, tol: float) -> str:
        import cvxpy as cp

        opts = {
            "tol_gap_abs": tol,
            "tol_gap_rel": tol,
            "tol_feas": tol,
            "tol_infeas_abs": tol,
            "tol_infeas_rel": tol,
            "tol_ktratio": 1e-7,
            "max_iter": 500,
        }
        for settings in (opts, {}):  # Clarabel's defaults when our tolerances fail it
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate"
                    self.problem.solve(solver=cp.CLARABEL, warm_start=False, **settings)
            except cp.error.SolverError:
                continue
            return str(self.problem.status)
        return "solver_error"


class _Programs:
    """Compiled programs keyed by their shapes."""

    def __init__(self, m: int, n: int):
        self.m, self.n = m, n
        self.cache: dict[tuple[int, int, int, bool], _Program] = {}

    def get(self, pat: Pattern, margin: bool = False) -> _Program:
        key = (len(pat.chosen), len(pat.order), len(pat.equal), margin)
        if key not in self.cache:
            self.cache[key] = _Program(self.m, self.n, *key)
        return self.cache[key]


def _solve(
    progs: _Programs, pat: Pattern, q: np.ndarray, s: int, tol: float, safety: float
) -> Solved:
    """Solve at ``tol``; when Clarabel only reaches "optimal_inaccurate", retry at 10·tol and
    100·tol and keep the tightest solve it calls optimal."""
    got = _solve_at(progs, pat, q, s, tol, safety)
    for looser in (10 * tol, 100 * tol):
        if got.status != "optimal_inaccurate":
            break
        again = _solve_at(progs, pat, q, s, looser, safety)
        if math.isnan(again.value):
            continue
        # both are near-optimal points: keep the better primal, and the larger bound
        keep = again if again.value > got.value or math.isnan(got.value) else got
        bound = max(again.dual, got.dual) if not math.isnan(got.value) else again.dual
        got = Solved(pat, again.status, keep.value, bound, keep.z, keep.tol)
    return got


def _solve_at(
    progs: _Programs, pat: Pattern, q: np.ndarray, s: int, tol: float, safety: float
) -> Solved:
    prog = progs.get(pat)
    prog.load(pat, q, s)
    status = prog.solve(tol)
    if status in ("infeasible", "infeasible_inaccurate"):
        return Solved(pat, status, -math.inf, -math.inf, None, tol)
    if status == "unbounded":
        return Solved(pat, status, math.inf, math.inf, None, tol)
    if status not in ("optimal", "optimal_inaccurate") or prog.z.value is None:
        return Solved(pat, status, math.nan, math.inf, None, tol)
    value = float(prog.problem.value)
    dual = prog.norm.dual_value
    nu = float(np.asarray(dual).reshape(-1)[0]) if dual is not None else math.inf
    bound = max(nu, value)
    return Solved(pat, status, value, bound * (1 + safety) + 1e-9, np.array(prog.z.value), tol)


def _margin_z(
    progs: _Programs, pat: Pattern, q: np.ndarray, s: int, floor: float
) -> np.ndarray | None:
    """Z of the pattern with the largest margin μ on every inequality, error ≥ ``floor``."""
    prog = progs.get(pat, margin=True)
    prog.load(pat, q, s)
    prog.p_floor.value = floor
    status = prog.solve(TIGHT_TOL)
    if status not in ("optimal", "optimal_inaccurate") or prog.z.value is None:
        return None
    return np.array(prog.z.value)


def _instance(z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """X ``[m, d]`` with X Xᵀ = Q Z Qᵀ (negative eigenvalues clipped, null directions dropped)."""
    g = q @ z @ q.T
    g = (g + g.T) / 2
    lam, vec = np.linalg.eigh(g)
    keep = lam > 1e-12 * max(float(lam.max()), 1e-300)
    x = vec[:, keep] * np.sqrt(lam[keep])
    return np.asarray(x[:, ::-1])


def _run(progs: _Programs, pats: Sequence[Pattern], q: np.ndarray, s: int, what: str) -> list:
    """Screen every pattern at :data:`SCREEN_TOL`, then re-solve at :data:`TIGHT_TOL` every
    pattern whose loose bound reaches the best screened value."""
    screened = [_solve(progs, p, q, s, SCREEN_TOL, LOOSE_SAFETY) for p in pats]
    if any(r.value == math.inf for r in screened):
        raise RuntimeError(f"an SDP pattern of {what} is unbounded")
    finite = [r.value for r in screened if np.isfinite(r.value)]
    if not finite:
        raise RuntimeError(f"no SDP pattern of {what} is feasible")
    best = max(finite)
    results = []
    for r in screened:
        # a loosely solved pattern whose bound cannot reach the best value keeps that bound
        if math.isnan(r.value) or r.dual < best:
            results.append(r)
            continue
        tight = _solve(progs, r.pattern, q, s, TIGHT_TOL, SAFETY)
        results.append(tight if not math.isnan(tight.value) else r)
    return results


def _summary(results: Sequence[Solved]) -> tuple[float, float]:
    """(largest optimum, largest bound; inf when a pattern could not be solved)."""
    value = max(r.value for r in results if np.isfinite(r.value))
    if any(math.isnan(r.value) for r in results):
        return value, math.inf
    return value, max(r.dual for r in results)


def solve_patterns(pats: Sequence[Pattern], m: int, s: int, n: int) -> tuple[float, float]:
    """(value, upper) = the largest optimum and the largest dual bound of the SDPs of the given
    patterns on m rows with #S = s, the score constraints using the n nearest other points
    (n = m − f − 2 for Krum; other values serve to check that the count matters)."""
    pats = list(pats)
    results = _run(_Programs(m, n), pats, _basis(m, s), s, f"{len(pats)} patterns")
    return _summary(results)


# --------------------------------------------------------------------------------------------
# the public entry point


def _mean_case(agg: Aggregator, m: int, f: int, no_attack: bool, start: float) -> KappaStar:
    """CTMA with f = 0 and Multi-Krum with k = m return the mean of all m rows, which is x̄_S
    when S is every row: κ* = 0."""
    x = np.vstack([np.eye(m - 1), np.zeros((1, m - 1))])
    with np.errstate(all="ignore"):
        got = float(ratio(agg(x, f=f), x, np.arange(m)))
    return KappaStar(
        rule=agg.spec,
        m=m,
        f=f,
        no_attack=no_attack,
        value=0.0,
        lower=got,
        upper=0.0,
        instance=x,
        certificate="the rule returns the mean of S (no SDP needed)",
        method="SDP",
        details={"patterns": 0, "seconds": time.perf_counter() - start},
    )


def sdp_kappa(agg: Aggregator, m: int, f: int, *, no_attack: bool = False) -> KappaStar:
    """κ*(agg; m, f) (ε* with ``no_attack``) as the maximum over patterns of the pattern SDPs
    of the module docstring (docs/theory.md §6, "Krum (and Multi-Krum, CTMA(Krum), NNM∘Krum)").

    Returns a :class:`KappaStar` with method ``"SDP"``: ``value`` the largest SDP optimum,
    ``upper`` the largest dual bound (each ν·(1 + tol) + tol), ``instance`` ``[m, d]`` (S =
    its first m − f rows, all rows with ``no_attack``) and ``lower`` the ratio the implemented
    rule realises on it; ``details`` lists the patterns solved, the time and the worst pattern.
    """
    start = time.perf_counter()
    if _rule(agg) is None:
        raise ValueError(f"the SDP does not handle {agg.spec}")
    s = m if no_attack else m - f
    kind, params = _rule(agg) or ("", {})
    k = params.get("k") or m - f
    if (kind == "ctma" and f == 0) or (kind == "multi_krum" and k == m == s):
        return _mean_case(agg, m, f, no_attack, start)
    q = _basis(m, s)
    progs = _Programs(m, m - f - 2)
    pats = list(patterns(agg, m, f, s))
    results = _run(progs, pats, q, s, f"{agg.spec} at m={m}, f={f}")
    value, upper = _summary(results)
    unsolved = [r for r in results if math.isnan(r.value)]
    ranked = sorted((r for r in results if np.isfinite(r.value)), key=lambda r: -r.value)
    subset = np.arange(s)

    def realised(x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(ratio(agg(x, f=f), x, subset))

    lower, inst, supremum, how = -math.inf, np.zeros((m, 1)), True, ""
    contenders = [r for r in ranked if r.value >= value * (1 - 1e-7) - 1e-9]
    for r in contenders:  # the optimal instances as they are: index ties go the pattern's way
        assert r.z is not None
        x = _instance(r.z, q)
        got = realised(x)
        if got > lower:
            lower, inst, how = got, x, f"optimum of {r.pattern.name}"
        if lower >= value * (1 - 1e-6) - 1e-12:
            supremum = False
            break
    if supremum:
        for r in contenders[:3]:
            for delta in (1e-7, 1e-6, 1e-5, 1e-4, 1e-3):
                zm = _margin_z(progs, r.pattern, q, s, value * (1 - delta))
                if zm is None:
                    continue
                x = _instance(zm, q)
                got = realised(x)
                if got > lower:
                    lower, inst, how = got, x, f"margin (δ={delta:g}) of {r.pattern.name}"
                if got >= value * (1 - 2 * delta) - 1e-12:
                    break
            if lower >= value * (1 - 2e-6) - 1e-12:
                break
    # the exact extremal families of docs/theory.md §6 (unperturbed): where one of them attains
    # the optimum exactly (e.g. ε* = f/(m − f) on the two-value input), it beats the SDP's
    # factored Gram matrix, which carries the solver's ~1e-7 error; value is then at least it
    from .adversarial import extremal_families

    for name, xs in extremal_families(m, f, max(2, min(m, 4)), np.random.default_rng(0), 4):
        if "jitter" in name or name == "random":
            continue
        for x in xs:
            got = realised(x)
            if np.isfinite(got) and got > lower and got <= upper:
                lower, inst, how, supremum = got, x, f"§6 family {name}", False
    value = max(value, lower)
    n_ok = sum(1 for r in results if np.isfinite(r.value))
    n_inf = sum(1 for r in results if r.value == -math.inf)
    elapsed = time.perf_counter() - start
    n_opt = sum(1 for r in results if r.status == "optimal")
    n_bad = sum(1 for r in results if r.status == "optimal_inaccurate")
    status = "optimal" if n_bad == 0 else f"optimal on {n_opt}, inaccurate on {n_bad}"
    cert = (
        f"SDP dual {upper:.6g} (Clarabel {status}; {len(pats)} patterns:"
        f" {n_ok} solved, {n_inf} infeasible)"
    )
    return KappaStar(
        rule=agg.spec,
        m=m,
        f=f,
        no_attack=no_attack,
        value=value,
        lower=lower,
        upper=upper,
        instance=inst,
        certificate=cert,
        method="SDP",
        supremum=supremum,
        details={
            "patterns": len(pats),
            "solved": n_ok,
            "infeasible": n_inf,
            "unsolved": len(unsolved),
            "resolved_tight": sum(1 for r in results if r.tol < SCREEN_TOL),
            "worst_pattern": ranked[0].pattern.name,
            "instance_from": how,
            "seconds": elapsed,
        },
    )
