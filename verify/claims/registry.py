"""The claim registry: a claim is a parametrised experiment run on a family of instances.

A :class:`Claim` (IDs of docs/theory.md §5) has

- a :class:`Family` of instances, drawn by a seeded generator (≥ 3 at quick scale);
- :class:`Part` s: experiment functions with explicit keyword parameters, each returning
  :class:`~verify.Measurement` s, and the checks applied to every measurement;
- default parameters per scale (``smoke``, ``quick``, ``full``), which
  ``run(id, scale, **overrides)`` overrides by name;
- :class:`Control` s: negative controls, i.e. the same experiment with named arguments changed,
  which the same checks must reject;
- for upper bounds on suboptimality, a stand-still control: the same experiment with an
  optimiser that never moves; when it passes too, the claim is VACUOUS.

Precedence of parameters: scale defaults < the instance's own (its problem, or its m, f, d) <
the caller's overrides < a negative control's changes. A claim that is INCONCLUSIVE at its
scale's seed count is rerun with 2× and then 4× the seeds before it settles.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sco._registry import Registry

from ..measurement import Measurement
from ..verdict import Status, Verdict, combine

SCALES = ("smoke", "quick", "full")
CONTROL_KEYS = ("instances",)


@dataclass(frozen=True)
class Instance:
    """One draw of a family: a label and the experiment keywords it fixes (e.g. ``problem``)."""

    label: str
    keywords: Mapping[str, Any]


@dataclass(frozen=True)
class Family:
    """A family of instances: ``draw(rng, n)`` returns n instances; ``keys`` are the experiment
    keywords an instance fixes (a caller who overrides one of them gives the instance)."""

    description: str
    draw: Callable[[np.random.Generator, int], list[Instance]]
    keys: tuple[str, ...]
    seed: int = 0


@dataclass(frozen=True)
class Part:
    """One experiment of a claim and the checks applied to each measurement it returns.

    ``experiment(**keywords) -> list[Measurement]`` takes only the keywords in its signature.
    ``vacuity``: the part bounds suboptimality from above, so the claim's stand-still control
    runs on it.
    """

    name: str
    experiment: Callable[..., list[Measurement]]
    checks: tuple[Callable[[Measurement], Verdict], ...]
    vacuity: bool = False

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.experiment).parameters)


@dataclass(frozen=True)
class Computed:
    """A control's value computed from the instance's keywords, e.g. ``m = 2f + 1``."""

    fn: Callable[[Mapping[str, Any]], Any]
    description: str = ""


Override = Any  # a value, or a :class:`Computed`


@dataclass(frozen=True)
class Control:
    """A negative control: the claim's experiment with the named arguments changed; the same
    checks must reject it. ``parts`` restricts it to some parts (default: all)."""

    name: str
    description: str
    overrides: Mapping[str, Override]
    parts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Claim:
    """A claim of docs/theory.md §5 as a parametrised experiment (see the module docstring)."""

    id: str
    statement: str
    reference: str
    family: Family
    parts: tuple[Part, ...]
    scales: Mapping[str, Mapping[str, Any]]
    controls: tuple[Control, ...] = ()
    stand_still: Mapping[str, Any] | None = None
    seeded: bool = True
    validate: Callable[[Mapping[str, Any]], None] | None = None
    weight: float = 1.0  # relative cost at quick scale: heavier claims start first in run_all

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every keyword a caller may override (the experiments' parameters, ``instances``)."""
        names: dict[str, None] = {}
        for p in self.parts:
            names.update(dict.fromkeys(p.keywords))
        return (*names, *CONTROL_KEYS)

    def describe(self) -> str:
        """The claim in words: statement, reference, family, controls and parameters."""
        lines = [
            f"{self.id}: {self.statement}",
            f"  reference: {self.reference}",
            f"  family: {self.family.description}",
            "  negative controls:",
            *(f"    {c.name}: {c.description}" for c in self.controls),
            f"  parameters: {', '.join(self.keywords)}",
        ]
        if self.stand_still is not None:
            lines.insert(3, "  vacuity: an optimiser that stands still must fail the same checks")
        return "\n".join(lines)

    def control(self, which: bool | str) -> Control:
        if not self.controls:
            raise LookupError(f"claim {self.id} has no negative control")
        if which is True:
            return self.controls[0]
        for c in self.controls:
            if c.name == which:
                return c
        valid = ", ".join(c.name for c in self.controls)
        raise ValueError(f"claim {self.id} has no negative control {which!r}; valid: {valid}")


#: Every claim by ID, on the same registry implementation as the plug-ins (``sco._registry``).
CLAIMS: Registry[Claim] = Registry("claim")
ORDER = [
    *("K1", "K2", "K3", "K4", "K5", "K6", "E0", "E1", "E2", "M1", "H1", "H2", "H3"),
    *("R1", "R2", "R3", "S1", "C1", "P1"),
]


def register(claim: Claim, *, replace: bool = False) -> Claim:
    """Add a claim under its ID; an existing ID raises unless ``replace=True``. The claim needs
    defaults for every scale of :data:`SCALES`."""
    for scale in SCALES:
        if scale not in claim.scales:
            raise ValueError(f"claim {claim.id} needs defaults for scale {scale!r}")
    CLAIMS.register(claim.id, claim, replace=replace, reference=claim.reference)
    return claim


def unregister(claim_id: str) -> None:
    """Remove a claim (no error if absent)."""
    CLAIMS.unregister(claim_id)


def ids() -> list[str]:
    """Claim IDs in docs/theory.md order (others after, sorted)."""
    names = CLAIMS.names()
    return [i for i in ORDER if i in CLAIMS] + sorted(set(names) - set(ORDER))


def get(claim_id: str) -> Claim:
    """The claim registered as ``claim_id``; unknown IDs raise ``ValueError`` (did you mean)."""
    return CLAIMS.get(claim_id)


# ------------------------------------------------------------------ running


def _resolve(claim: Claim, scale: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}; got {scale!r}")
    valid = claim.keywords
    unknown = [k for k in overrides if k not in valid]
    if unknown:
        raise ValueError(
            f"claim {claim.id} takes no parameter {unknown[0]!r}; valid: {', '.join(valid)}"
        )
    n = overrides.get("instances")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"instances must be an integer >= 1; got {n!r}")
    seeds = overrides.get("seeds")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2):
        raise ValueError(f"seeds must be an integer >= 2 (a bootstrap needs seeds); got {seeds!r}")
    return dict(claim.scales[scale])


def _instances(
    claim: Claim, params: Mapping[str, Any], overrides: Mapping[str, Any]
) -> list[Instance]:
    given = {k: overrides[k] for k in claim.family.keys if k in overrides}
    if given:
        label = ", ".join(f"{k}={_label(v)}" for k, v in given.items())
        return [Instance(f"given: {label}", given)]
    n = int(overrides.get("instances", params["instances"]))
    return draw(claim.family, n)


def draw(family: Family, n: int) -> list[Instance]:
    """The first n instances of a family. The generator depends on the family alone, so claims
    on one family (R1, R2 and R3; E1 and E2) run on the same instances, and instance i is the
    same at every scale."""
    return family.draw(np.random.default_rng(family.seed), n)


def instances(claim_id: str, scale: str = "quick") -> list[Instance]:
    """The instances a claim runs on at a scale (without running it)."""
    claim = get(claim_id)
    return _instances(claim, _resolve(claim, scale, {}), {})


def _label(v: Any) -> str:
    for attr in ("label", "name"):
        got = getattr(v, attr, None)
        if isinstance(got, str):
            return f"{type(v).__name__}({got}, d={getattr(v, 'dim', '?')})"
    return repr(v) if len(repr(v)) < 60 else type(v).__name__


def _keywords(
    params: Mapping[str, Any],
    instance: Instance,
    overrides: Mapping[str, Any],
    control: Control | None,
) -> dict[str, Any]:
    kw = dict(params)
    kw.update(instance.keywords)
    kw.update({k: v for k, v in overrides.items() if k not in CONTROL_KEYS})
    if control is not None:
        for k, v in control.overrides.items():
            kw[k] = v.fn(kw) if isinstance(v, Computed) else v
    return kw


def _call(part: Part, kw: Mapping[str, Any]) -> list[Measurement]:
    args = {k: kw[k] for k in part.keywords if k in kw}
    missing = [k for k in part.keywords if k not in kw]
    if missing:
        raise ValueError(f"experiment {part.name!r} is missing parameters {missing}")
    return part.experiment(**args)


def _evaluate(
    claim: Claim,
    params: Mapping[str, Any],
    instances: Sequence[Instance],
    overrides: Mapping[str, Any],
    control: Control | None,
) -> list[Verdict]:
    parts: list[Verdict] = []
    for inst in instances:
        kw = _keywords(params, inst, overrides, control)
        if claim.validate is not None:
            claim.validate(kw)
        for part in claim.parts:
            if control is not None and control.parts is not None and part.name not in control.parts:
                continue
            for meas in _call(part, kw):
                meas = dataclasses.replace(meas, instance=inst.label)
                verdicts = [check(meas) for check in part.checks]
                if part.vacuity and control is None and claim.stand_still is not None:
                    verdicts = _vacuity(claim, part, kw, meas, verdicts)
                parts.extend(v.with_(claim=claim.id, instances=(inst.label,)) for v in verdicts)
    return parts


def _vacuity(
    claim: Claim, part: Part, kw: Mapping[str, Any], meas: Measurement, verdicts: list[Verdict]
) -> list[Verdict]:
    """Run the stand-still optimiser on the same grid; a check it passes too is VACUOUS."""
    assert claim.stand_still is not None
    still_kw = dict(kw, **claim.stand_still)
    still = [m for m in _call(part, still_kw) if np.array_equal(m.x, meas.x)]
    if len(still) != 1:
        raise RuntimeError(f"{claim.id}: the stand-still control must reproduce the grid")
    out = []
    for check, v in zip(part.checks, verdicts, strict=True):
        sv = check(still[0])
        note = {
            "stand_still": sv.status.value,
            "stand_still_values": np.asarray(still[0].values).mean(axis=0).tolist(),
        }
        status = Status.VACUOUS if (v.status == Status.PASS and sv.passed) else v.status
        out.append(v.with_(status=status, details=dict(v.details, **note)))
    return out


def _settle(
    claim: Claim,
    scale: str,
    params: Mapping[str, Any],
    instances: Sequence[Instance],
    overrides: Mapping[str, Any],
    control: Control | None,
) -> Verdict:
    """Evaluate, escalating the seeds 2× then 4× while the result is INCONCLUSIVE."""
    base = int(overrides.get("seeds", params.get("seeds", 0)) or 0)
    factors = (1, 2, 4) if (claim.seeded and base) else (1,)
    tried: list[int] = []
    start = time.perf_counter()
    parts: list[Verdict] = []
    for factor in factors:
        over = dict(overrides, seeds=base * factor) if base else dict(overrides)
        parts = _evaluate(claim, params, instances, over, control)
        tried.append(base * factor)
        if all(p.status != Status.INCONCLUSIVE for p in parts):
            break
    details: dict[str, Any] = {
        "scale": scale,
        "reference": claim.reference,
        "seconds": time.perf_counter() - start,
        "instances": [i.label for i in instances],
    }
    if base:
        details["seeds_tried"] = tried
    shown = {k: _label(v) for k, v in overrides.items()}
    if shown:
        details["overrides"] = shown
    if control is not None:
        details["control"] = control.name
    given = any(k in overrides for k in claim.family.keys)
    return combine(
        claim.id,
        parts,
        statement=claim.statement,
        family="given by the caller" if given else claim.family.description,
        control=control.description if control is not None else "",
        details=details,
    )


def run(
    claim_id: str, scale: str = "quick", negative: bool | str = False, **overrides: Any
) -> Verdict:
    """Run a claim, or one of its negative controls, and return its verdict.

    Parameters
    ----------
    claim_id : str
        An ID of :func:`ids` (docs/theory.md §5).
    scale : "smoke", "quick" or "full"
        Default parameters: seconds (tests), minutes (the CLI default), research.
    negative : bool or str
        ``True`` runs the first negative control, a string names one; claims without a control
        raise ``LookupError``. A control is expected to FAIL.
    **overrides
        Any of the claim's experiment keywords (``Claim.keywords``), e.g.
        ``aggregator="ctma(gm)"``, ``attack="ipm"``, ``problem=my_problem``, ``seeds=64``,
        ``instances=5``. Unknown keywords raise a one-line ``ValueError``.
    """
    claim = get(claim_id)
    params = _resolve(claim, scale, overrides)
    control = claim.control(negative) if negative else None
    instances = _instances(claim, params, overrides)
    return _settle(claim, scale, params, instances, overrides, control)


def controls(claim_id: str) -> list[Control]:
    """The negative controls of a claim (the first is what ``negative=True`` runs)."""
    return list(get(claim_id).controls)


# ------------------------------------------------------------------ outcome


@dataclass(frozen=True)
class Outcome:
    """Claims and their negative controls, and what they mean together.

    ``exit_code``: 0 when every claim passes and every control is rejected; 1 when a claim
    fails or is vacuous, or a control passes; 3 when nothing failed but something is
    inconclusive.
    """

    verdicts: list[Verdict]
    seconds: float = 0.0
    scale: str = "quick"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return outcome_code(self.verdicts)

    @property
    def summary(self) -> str:
        return {
            0: "every claim passes and every negative control is rejected",
            1: "SOME CLAIMS FAILED (or a negative control passed)",
            3: "INCONCLUSIVE: nothing failed, but not every verdict is settled",
        }[self.exit_code]


def outcome_code(verdicts: Sequence[Verdict]) -> int:
    """0 all claims PASS and all controls FAIL; 1 a claim FAILs or is VACUOUS, or a control
    PASSes (or is VACUOUS); 3 none of those but something INCONCLUSIVE."""
    bad = inconclusive = False
    for v in verdicts:
        if v.negative_control:
            bad |= v.status in (Status.PASS, Status.VACUOUS)
        else:
            bad |= v.status in (Status.FAIL, Status.VACUOUS)
        inconclusive |= v.status == Status.INCONCLUSIVE
    return 1 if bad else 3 if inconclusive else 0


def _job(claim_id: str, scale: str) -> list[Verdict]:
    """A claim followed by each of its negative controls."""
    return list(_job_iter(claim_id, scale))


def iter_all(ids_: Sequence[str] | None = None, scale: str = "quick") -> Iterator[Verdict]:
    """Each claim's verdict followed by each of its controls', in order, as they finish."""
    wanted = list(ids_) if ids_ else ids()
    for cid in wanted:
        get(cid)
    for cid in wanted:
        yield from _job_iter(cid, scale)


def run_all(
    ids_: Sequence[str] | None = None,
    scale: str = "quick",
    *,
    workers: int = 1,
    on_verdict: Callable[[Verdict], None] | None = None,
) -> Outcome:
    """Run claims and all their negative controls and decide the overall outcome (the CLI only
    prints it). ``workers`` > 1 runs claims in that many processes (each claim with its
    controls in one process); the verdicts keep the order of ``ids_`` either way.
    ``on_verdict`` sees each verdict as it finishes."""
    wanted = list(ids_) if ids_ else ids()
    for cid in wanted:
        get(cid)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1; got {workers!r}")
    start = time.perf_counter()
    results: dict[str, list[Verdict]] = {}
    if workers == 1 or len(wanted) == 1:
        for cid in wanted:
            results[cid] = []
            for v in _job_iter(cid, scale):
                results[cid].append(v)
                if on_verdict is not None:
                    on_verdict(v)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_one_thread)
        try:
            heavy_first = sorted(wanted, key=lambda cid: -get(cid).weight)
            futures = {pool.submit(_job, cid, scale): cid for cid in heavy_first}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if on_verdict is not None:
                    for v in results[futures[fut]]:
                        on_verdict(v)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            raise
        pool.shutdown()
    verdicts = [v for cid in wanted for v in results[cid]]
    return Outcome(verdicts, time.perf_counter() - start, scale)


def _one_thread() -> None:
    """Worker processes use one BLAS thread each, so that N workers do not run N × (BLAS
    threads) on N cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _job_iter(claim_id: str, scale: str) -> Iterator[Verdict]:
    yield run(claim_id, scale)
    for c in get(claim_id).controls:
        yield run(claim_id, scale, negative=c.name)
