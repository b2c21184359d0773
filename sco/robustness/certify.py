"""Check an outside implementation of a rule against the toolkit's reference (docs/theory.md §6).

:func:`certify` runs a function ``fn(x[m, d])`` (or ``fn(x, f=f)``) — say, another library's
Krum — on three sets of instances and compares it with a reference rule (default ``"krum"``):

(a) the reference's extremal instance from :func:`sco.robustness.kappa_star` (and tiny
    perturbations of it, on both sides of the tie it usually sits on);
(b) the extremal families of §6 (:func:`~sco.robustness.adversarial.extremal_families`:
    lower-bound construction, median cluster, two-value inputs, Krum tie configurations,
    random and attack instances; at most ``per_family`` of each), each also rescaled by 1e-6
    and by 1e4 and shifted, since an implementation may misbehave at one scale only;
(c) the instance of an adversarial search on ``fn`` itself
    (:func:`~sco.robustness.adversarial.search_only`).

Two kinds of finding are reported, both with the instance, both outputs and both ratios
ρ = ‖A(x) − x̄_S‖²/V_S (S = the first m − f rows):

- **exceeds**: fn's ratio is above the reference's κ*·(1 + 1e-9) — fn is less robust than the
  rule it claims to implement, whatever the instance. An instance with V_S = 0 on which fn
  misses x̄_S has ratio +inf: the §2 definition then requires A(x) = x̄_S exactly;
- **differs**: fn's output differs from the reference's (relative 1e-9, or the reference's
  declared ``rtol`` if looser) on an instance where the reference output is *unique*, i.e. not
  decided by a tie (see :func:`reference_is_unique`).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..aggregators import Aggregator, AggregatorLike, resolve
from ..seeds import as_generator
from . import adversarial
from .result import KappaStar

#: Relative tolerance of the "exceeds" check: ratio > κ*·(1 + EXCEED_RTOL).
EXCEED_RTOL = 1e-9
#: Relative tolerance of the "differs" check (the reference's ``rtol`` when looser).
DIFFER_RTOL = 1e-9
#: Krum-family uniqueness: the runner-up score beats the minimum by this relative margin.
SCORE_MARGIN = 1e-6


@dataclass(frozen=True, eq=False)
class Finding:
    """One instance on which ``fn`` fails a check.

    Attributes
    ----------
    kind : str
        ``"exceeds"`` (fn's ratio above the reference's κ*) or ``"differs"`` (fn's output is not
        the reference's unique output).
    source : str
        Where the instance came from: ``"reference extremal"``, ``"family:<name>"`` or
        ``"search"`` (possibly with a perturbation or rescaling tag).
    instance : ndarray, shape (m, d)
        S is its first m − f rows.
    output, reference_output : ndarray, shape (d,)
        fn's and the reference's outputs.
    ratio, reference_ratio : float
        ρ of fn's and of the reference's output.
    bound : float
        The κ* the ratio was compared with (exceeds), or the distance tolerance (differs).
    """

    kind: str
    source: str
    instance: np.ndarray
    output: np.ndarray
    reference_output: np.ndarray
    ratio: float
    reference_ratio: float
    bound: float

    def __str__(self) -> str:
        if self.kind == "exceeds":
            how = f"ratio {self.ratio:.6g} > kappa* {self.bound:.6g}"
        else:
            gap = float(np.linalg.norm(self.output - self.reference_output))
            how = f"|out - ref| = {gap:.3g} > tol {self.bound:.3g}"
        return (
            f"{self.kind} [{self.source}]: {how} (fn ratio {self.ratio:.6g}, reference ratio "
            f"{self.reference_ratio:.6g})"
        )


@dataclass(frozen=True, eq=False)
class CertifyReport:
    """What :func:`certify` found. ``ok`` is True when no check failed.

    Attributes
    ----------
    rule, reference : str
        Names of the checked function and of the reference rule.
    m, f, d : int
        The setting and the dimension of the instances.
    kappa : KappaStar
        The reference's κ* (its ``method`` says whether it is exact or a search lower bound).
    bound : float
        The κ* used by the "exceeds" check: κ*'s value (its proven upper bound when that is
        finite), raised to any ratio the reference itself realises on a checked instance.
    worst_ratio : float
        fn's largest ratio over all checked instances; ``worst_source`` says where.
    exceeds, differs : tuple of Finding
        The failures (each sorted worst first, at most ``max_findings`` kept per kind).
    n_instances, n_unique : int
        Instances checked, and those whose reference output is unique (the "differs" check).
    errors : tuple of str
        Calls of fn that raised or returned a wrong shape (also a failure).
    notes : tuple of str
        E.g. that κ* fell back to a search because an exact method was unavailable.
    seconds : float
        Wall time.
    """

    rule: str
    reference: str
    m: int
    f: int
    d: int
    kappa: KappaStar
    bound: float
    worst_ratio: float
    worst_source: str
    exceeds: tuple[Finding, ...]
    differs: tuple[Finding, ...]
    n_instances: int
    n_unique: int
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when fn never exceeded κ*, never differed on a unique instance, never failed."""
        return not self.exceeds and not self.differs and not self.errors

    def summary(self) -> str:
        """A few readable lines: verdict, κ*, worst ratio, and the first findings."""
        verdict = "OK" if self.ok else "FLAGGED"
        exact = "exact" if self.kappa.exact else "search lower bound"
        lines = [
            f"certify {self.rule} against {self.reference} (m={self.m}, f={self.f}, d={self.d}):"
            f" {verdict}",
            f"  reference kappa* = {self.bound:.6g} ({self.kappa.method}, {exact});"
            f" fn's worst ratio {self.worst_ratio:.6g} [{self.worst_source}]",
            f"  {self.n_instances} instances, {self.n_unique} with a unique reference output;"
            f" exceeds: {self.counts.get('exceeds', 0)}, differs: {self.counts.get('differs', 0)},"
            f" errors: {len(self.errors)} ({self.seconds:.1f} s)",
        ]
        for kind in (self.exceeds, self.differs):
            lines.extend(f"  - {finding}" for finding in kind[:3])
        lines.extend(f"  ! {e}" for e in self.errors[:3])
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _takes_f(fn: Callable[..., Any]) -> bool | None:
    """True if ``fn`` accepts an ``f`` keyword, False if it visibly does not, None if unknown."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = sig.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return True
    p = sig.parameters.get("f")
    if p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
        return True
    return False


def as_rule(fn: Callable[..., Any], f: int, probe: np.ndarray) -> Callable[..., np.ndarray]:
    """A plain callable ``rule(x, *, f)`` from ``fn(x)`` or ``fn(x, f=f)``.

    The signature decides when it can be read (an ``f`` parameter or ``**kwargs``: pass f);
    otherwise ``fn(probe, f=f)`` is tried once and a ``TypeError`` switches to ``fn(x)``. A
    registered rule or spec string is returned as is."""
    if isinstance(fn, (str, Aggregator)):
        return resolve(fn)
    use_f = _takes_f(fn)
    if use_f is None:
        try:
            fn(probe, f=f)
            use_f = True
        except TypeError:
            use_f = False
        except Exception:
            use_f = True
    name = getattr(fn, "__name__", type(fn).__name__)

    if use_f:

        def rule(x: np.ndarray, *, f: int) -> np.ndarray:
            return np.asarray(fn(x, f=f))

    else:

        def rule(x: np.ndarray, *, f: int) -> np.ndarray:
            return np.asarray(fn(x))

    rule.__name__ = name
    return rule


def _krum_gap(x: np.ndarray, f: int, out: np.ndarray) -> bool:
    """Krum's output on ``x[m, d]`` is unique: every row at another point than the selected
    one scores above the minimum by a relative margin :data:`SCORE_MARGIN`."""
    from ..aggregators import krum_scores

    s = np.asarray(krum_scores(x, f=f), dtype=np.float64)
    if not np.all(np.isfinite(s)):
        return False
    best = float(s.min())
    other = np.linalg.norm(x - out, axis=-1) > 0
    if not np.any(other):
        return True
    runner = float(s[other].min())
    return runner - best > SCORE_MARGIN * max(abs(runner), 1e-300)


def _multi_krum_gap(x: np.ndarray, f: int, k: int) -> bool:
    from ..aggregators import krum_scores

    s = np.sort(np.asarray(krum_scores(x, f=f), dtype=np.float64))
    if k >= s.shape[0]:
        return True
    return bool(s[k] - s[k - 1] > SCORE_MARGIN * max(abs(s[k]), 1e-300))


def reference_is_unique(
    ref: Aggregator,
    x: np.ndarray,
    f: int,
    out: np.ndarray,
    evaluate: Callable[[np.ndarray], np.ndarray],
    rng: Any,
) -> bool:
    """Whether the reference output ``out`` on ``x[m, d]`` is unique (not decided by a tie).

    - Krum: the minimum score beats the score of every row at *another point* by a relative
      margin of :data:`SCORE_MARGIN` (identical tied rows give the same output, so they are
      no ambiguity); Multi-Krum: the k-th and (k + 1)-th smallest scores are that far apart.
      A perturbation of the data by a relative δ moves the scores by O(δ), so below that margin
      no tiny perturbation can change the choice.
    - Any other rule (a generic, necessary test): the output must be stable under 8 random
      perturbations of every row, of relative size 1e-9 and 1e-7 of the instance's spread: no
      output may move by more than 1e-3 of the spread. A continuous rule (CWTM, CWMed, GM, the
      mean) passes; an input sitting on a tie of a selection (where the output jumps by a
      fraction of the spread) fails unless all 8 perturbations happen to fall on the side the
      rule chose (probability about 2⁻⁸ for a two-way tie).
    """
    if ref.name == "krum" and ref.base is None:
        return _krum_gap(x, f, out)
    if ref.name == "multi_krum" and ref.base is None:
        m = x.shape[0]
        k = ref.params.get("k") or m - f
        return _multi_krum_gap(x, f, int(k))
    spread = float(np.sqrt(np.mean(np.sum((x - x.mean(axis=0)) ** 2, axis=-1))))
    if spread == 0.0:
        return True
    gen = as_generator(rng)
    eps = np.repeat([1e-9, 1e-7], 4)[:, None, None] * spread
    moved = x[None] + eps * gen.standard_normal((8, *x.shape))
    outs = evaluate(moved)
    gap = np.linalg.norm(outs - out, axis=-1)
    return bool(np.all(np.isfinite(gap)) and np.all(gap <= 1e-3 * spread))


def _reference_kappa(
    ref: Aggregator, m: int, f: int, rng: Any, d: int, effort: str
) -> tuple[KappaStar, list[str]]:
    """κ*(ref; m, f) from :func:`sco.robustness.kappa_star`, or the adversarial search when an
    exact method is missing or fails (the note says why)."""
    notes: list[str] = []
    try:
        from .kappa_star import kappa_star

        got = kappa_star(ref, m, f, rng=rng)
        if got.method != "search only":
            return got, notes
        notes.append("kappa_star only gave a search lower bound for the reference")
        return got, notes
    except Exception as err:
        notes.append(
            f"kappa_star({ref.spec}, {m}, {f}) failed ({type(err).__name__}: {err}); "
            f"the reference's kappa* is a search lower bound"
        )
    return adversarial.search_only(ref, m, f, rng=rng, d=d, effort=effort), notes


def certify(
    fn: Callable[..., Any] | AggregatorLike,
    m: int,
    f: int,
    *,
    reference: AggregatorLike = "krum",
    rng: Any = 0,
    d: int | None = None,
    effort: str = "quick",
    kappa: KappaStar | None = None,
    max_findings: int = 20,
    per_family: int = 32,
) -> CertifyReport:
    """Check ``fn`` against the reference rule on extremal and adversarial instances.

    Parameters
    ----------
    fn : callable
        The implementation to check: ``fn(x[m, d]) -> [d]`` or ``fn(x[m, d], f=f) -> [d]``
        (detected from the signature, or by one trial call). Batched input is tried and
        row-by-row calls are the fallback.
    m, f : int
        The setting (0 <= f < m/2, and m at least the reference's minimum).
    reference : str or Aggregator
        The rule fn claims to implement (default ``"krum"``).
    rng : seed-like
        Seeds the families, the searches and the perturbations (deterministic for a fixed rng).
    d : int, optional
        Dimension of the generated instances; default
        :func:`~sco.robustness.adversarial.default_d` of the reference (m for Krum; the
        reference's κ* instance keeps its own dimension).
    effort : str
        Budget of the adversarial searches (:data:`sco.robustness.adversarial.EFFORTS`).
    kappa : KappaStar, optional
        The reference's κ*, if already computed (skips :func:`~sco.robustness.kappa_star`).
    max_findings : int
        Findings kept per kind (the worst ones; ``counts`` has the totals).
    per_family : int
        Instances drawn from each extremal family for (b) (a random subset of the larger grids;
        the search (c) starts from all of them).

    Returns
    -------
    CertifyReport
        ``ok`` is False when any instance "exceeds" κ* or "differs" from a unique reference
        output, or fn fails; see the module docstring for the three instance sets.
    """
    t0 = time.perf_counter()
    ref = resolve(reference)
    m, f = adversarial._check(m, f, False)
    if m < ref.min_workers(f):
        raise ValueError(f"m: {ref.spec} needs m >= {ref.min_workers(f)} for f = {f}; got {m}")
    d = adversarial.default_d(m, ref) if d is None else int(d)
    gen = as_generator(rng)
    seed = int(gen.integers(2**63))
    h = m - f

    notes: list[str] = []
    if kappa is None:
        kappa, notes = _reference_kappa(ref, m, f, seed, d, effort)
    base_bound = float(kappa.value)
    if np.isfinite(kappa.upper):
        base_bound = max(base_bound, float(kappa.upper))

    rule = as_rule(fn, f, np.zeros((m, d)))  # type: ignore[arg-type]
    name = getattr(fn, "__name__", None) or getattr(rule, "spec", None) or "fn"
    run_fn = adversarial.RuleEvaluator(rule, f, seed=seed)
    run_ref = adversarial.RuleEvaluator(ref, f, seed=seed)

    # the instances, grouped by dimension (a κ* instance may live in another d)
    batches: list[tuple[str, np.ndarray]] = []
    k_inst = np.asarray(kappa.instance, dtype=np.float64)
    if k_inst.ndim == 2 and k_inst.shape[0] == m:
        spread = float(np.sqrt(max(np.mean(np.sum((k_inst - k_inst.mean(0)) ** 2, -1)), 1e-300)))
        tiny = np.repeat([1e-12, 1e-9, 1e-6], 4)[:, None, None] * spread
        near = k_inst[None] + tiny * gen.standard_normal((12, *k_inst.shape))
        batches.append(("reference extremal", np.concatenate([k_inst[None], near])))
    for fam, xs in adversarial.extremal_families(m, f, d, gen, 8, agg=ref):
        if xs.shape[0] > per_family:  # a random subset of the large grids
            xs = xs[np.sort(gen.choice(xs.shape[0], per_family, replace=False))]
        shift = gen.standard_normal((1, 1, d))
        batches.append((f"family:{fam}", xs))
        batches.append((f"family:{fam} x1e-6", 1e-6 * xs))
        batches.append((f"family:{fam} x1e4+shift", 1e4 * (xs + shift)))
    found = adversarial.search_only(rule, m, f, rng=seed, d=d, effort=effort)
    s_inst = np.asarray(found.instance, dtype=np.float64)
    spread = float(np.sqrt(max(np.mean(np.sum((s_inst - s_inst.mean(0)) ** 2, -1)), 1e-300)))
    tiny = np.repeat([1e-12, 1e-9], 4)[:, None, None] * spread
    near = s_inst[None] + tiny * gen.standard_normal((8, *s_inst.shape))
    batches.append(("search", np.concatenate([s_inst[None], near])))

    # evaluate both rules on everything
    records: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, float, float]] = []
    errors: list[str] = []
    for src, xs in batches:
        out_f = run_fn(xs)
        out_r = run_ref(xs)
        rat_f = _ratio(out_f, xs, h)
        rat_r = _ratio(out_r, xs, h)
        for k in range(xs.shape[0]):
            if not np.all(np.isfinite(out_f[k])) and np.all(np.isfinite(xs[k])):
                if len(errors) < max_findings:
                    errors.append(f"fn gave no finite output on an instance of {src}")
                continue
            records.append((src, xs[k], out_f[k], out_r[k], float(rat_f[k]), float(rat_r[k])))

    # the bound: κ*, raised to any ratio the reference realises itself
    realised = max((r[5] for r in records if np.isfinite(r[5])), default=0.0)
    bound = max(base_bound, realised)
    exceeds: list[Finding] = []
    differs: list[Finding] = []
    n_unique = 0
    worst, worst_src = -np.inf, ""
    rtol = max(DIFFER_RTOL, ref.rtol)
    check_gen = np.random.default_rng(seed)
    for src, x, o_f, o_r, r_f, r_r in records:
        if r_f > worst:
            worst, worst_src = r_f, src
        if r_f > bound * (1 + EXCEED_RTOL):
            local = _nearby_reference_ratio(run_ref, x, h, check_gen)
            if r_f > max(bound, local) * (1 + EXCEED_RTOL):
                exceeds.append(Finding("exceeds", src, x, o_f, o_r, r_f, r_r, bound))
        if not np.all(np.isfinite(o_r)):
            continue
        if not reference_is_unique(ref, x, f, o_r, run_ref, check_gen):
            continue
        n_unique += 1
        tol = rtol * max(float(np.linalg.norm(o_r)), float(np.max(np.abs(x))), 1e-300)
        if not np.linalg.norm(o_f - o_r) <= tol:
            differs.append(Finding("differs", src, x, o_f, o_r, r_f, r_r, tol))

    exceeds.sort(key=lambda g: -g.ratio)
    differs.sort(key=lambda g: -float(np.linalg.norm(g.output - g.reference_output)))
    return CertifyReport(
        rule=str(name),
        reference=ref.spec,
        m=m,
        f=f,
        d=d,
        kappa=kappa,
        bound=bound,
        worst_ratio=float(worst),
        worst_source=worst_src,
        exceeds=tuple(exceeds[:max_findings]),
        differs=tuple(differs[:max_findings]),
        n_instances=len(records),
        n_unique=n_unique,
        errors=tuple(errors),
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
        counts={"exceeds": len(exceeds), "differs": len(differs)},
    )


def _ratio(out: np.ndarray, x: np.ndarray, h: int) -> np.ndarray:
    """ρ for S = the first h rows (:func:`sco.robustness.ratio`: V_S = 0 with a non-zero error
    is +inf — the rule must then output x̄_S exactly — and NaN outputs are +inf)."""
    from .search import ratio

    with np.errstate(all="ignore"):
        r = ratio(out, x, np.arange(h))
    return np.where(np.isnan(r), np.inf, r)


def _nearby_reference_ratio(
    run_ref: adversarial.RuleEvaluator, x: np.ndarray, h: int, gen: np.random.Generator
) -> float:
    """The reference's largest ratio on 12 perturbations of ``x`` of relative size 1e-15..1e-12:
    a ratio fn reaches only through a tie the reference breaks the other way is still one the
    reference realises (its κ* is a supremum), so it is no excess."""
    spread = float(np.sqrt(max(np.mean(np.sum((x - x.mean(0)) ** 2, -1)), 1e-300)))
    eps = np.repeat([1e-15, 1e-13, 1e-12], 4)[:, None, None] * spread
    moved = x[None] + eps * gen.standard_normal((12, *x.shape))
    r = _ratio(run_ref(moved), moved, h)
    r = r[np.isfinite(r)]
    return float(r.max()) if r.size else -np.inf
