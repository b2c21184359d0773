"""TOML run and sweep specs (docs/architecture.md §2–§3).

A spec's keys are the keyword names of :func:`sco.simulate`; the problem is a table whose keys
are those of :func:`problems.make` (``name`` plus its keywords)::

    problem = { name = "least_squares", dim = 10, rng = 0 }
    aggregator = ["ctma(cwtm)", "cwtm"]     # a list: one run per value (the sweep grid)
    attack = "alie"
    estimator = "mu2sgd"
    m = 17
    f = [1, 4]
    T = 1000
    lr = "theory"                           # or a number; "theory" is 1/(8 L T)
    seeds = 8
    rng = 0

Every list value (top level or inside ``problem``) is a grid axis; a run is one point of the
grid. ``plugins = ["mypkg.rules"]`` lists modules to import first (they register their own
aggregators, attacks, estimators or problems); installed packages register through the
entry-point group ``byzsco.plugins``. Validation is strict: unknown keys, wrong types,
out-of-range values and unknown names raise :class:`SpecError` with a one-line message naming
the key.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib
import itertools
import json
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import problems
import problems.registry
from sco import _registry as sco_registry
from sco import aggregators, attacks, estimators
from sco._registry import load_plugins
from sco.problem import is_worker_problem
from sco.simulate import BYZANTINE_DATA
from sco.trace import METRICS

REQUIRED = ("problem", "aggregator", "estimator", "m", "f", "T", "lr")
OPTIONAL: dict[str, Any] = {
    "attack": None,
    "seeds": 1,
    "rng": 0,
    "record": list(METRICS),
    "checkpoints": None,
    "byzantine_data": None,
}
KEYS = set(REQUIRED) | set(OPTIONAL) | {"plugins"}


class SpecError(ValueError):
    """A bad spec: the message is one line and names the key."""


def load(path: str | Path) -> dict[str, Any]:
    """Read a TOML spec file (``SpecError`` if it is missing or not valid TOML)."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text())
    except FileNotFoundError as exc:
        raise SpecError(f"spec file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise SpecError(f"spec {p} is a directory; give a TOML file") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"spec {p} is not a text (TOML) file") from exc
    except OSError as exc:
        raise SpecError(f"spec {p} cannot be read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{p}: not valid TOML ({exc})") from exc


def expand(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of a spec: the cartesian product of every list value, each run validated."""
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        near = difflib.get_close_matches(unknown[0], sorted(KEYS), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise SpecError(f"unknown key {unknown[0]!r}{hint}; valid keys: {', '.join(sorted(KEYS))}")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise SpecError(f"missing key {missing[0]!r} (required: {', '.join(REQUIRED)})")
    plugins = import_plugins(raw.get("plugins", []))
    flat: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("problem", "plugins")}
    prob = raw["problem"]
    if isinstance(prob, str):
        prob = {"name": prob}
    if not isinstance(prob, dict) or "name" not in prob:
        raise SpecError(
            "problem must be a name or a table with a 'name' key, e.g. "
            'problem = { name = "quadratic", dim = 10 }'
        )
    for k, v in prob.items():
        flat[f"problem.{k}"] = v
    axes = {
        k: v for k, v in flat.items() if isinstance(v, list) and k not in ("record", "checkpoints")
    }
    for k, v in axes.items():
        if not v:
            raise SpecError(f"{k} is an empty list; give at least one value")
    keys = list(axes)
    runs = []
    for values in itertools.product(*(axes[k] for k in keys)) if keys else [()]:
        point = dict(flat, **dict(zip(keys, values, strict=True)))
        cfg = validate(point)
        if plugins:
            cfg["plugins"] = plugins  # imported again by the process that executes the run
        runs.append(cfg)
    return runs


def import_plugins(modules: Any) -> list[str]:
    """Import the modules of a spec's ``plugins`` key (they register their rules, attacks,
    estimators or problems); returns the module names. ``SpecError`` names the key when one
    cannot be imported."""
    if not isinstance(modules, list) or not all(isinstance(m, str) and m for m in modules):
        raise SpecError(
            f'plugins must be a list of module names like ["mypkg.rules"]; got {modules!r}'
        )
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any failure of user code is a bad spec
            raise SpecError(
                f"plugins: cannot import {name!r} ({type(exc).__name__}: {exc})"
            ) from None
    return list(modules)


def validate(point: dict[str, Any]) -> dict[str, Any]:
    """Check one run's values; returns the canonical run config (defaults filled in)."""
    cfg = dict(OPTIONAL)
    cfg.update({k: v for k, v in point.items() if not k.startswith("problem.") and k != "plugins"})
    prob = {k.split(".", 1)[1]: v for k, v in point.items() if k.startswith("problem.")}
    name = prob.pop("name")
    if isinstance(name, str) and name not in problems.names():
        load_plugins()  # an installed package may register it
    if not isinstance(name, str) or name not in problems.names():
        raise SpecError(f"problem.name must be one of {problems.names()}; got {name!r}")
    for key in ("m", "f", "T"):
        _int(key, cfg[key], 0 if key == "f" else 1)
    if not (
        isinstance(cfg["seeds"], int) and not isinstance(cfg["seeds"], bool) and cfg["seeds"] >= 1
    ):
        raise SpecError(f"seeds must be an integer >= 1; got {cfg['seeds']!r}")
    _int("rng", cfg["rng"], 0)
    lr = cfg["lr"]
    if lr != "theory" and (
        isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < float("inf")
    ):
        raise SpecError(f'lr must be a number > 0 or "theory" (= 1/(8LT)); got {lr!r}')
    for key, module, kind in (
        ("aggregator", aggregators, "aggregator"),
        ("estimator", estimators, "estimator"),
    ):
        _spec_string(key, cfg[key], module.make, kind)
    if cfg["attack"] is not None:
        _spec_string("attack", cfg["attack"], attacks.make, "attack")
    if not isinstance(cfg["record"], list) or any(r not in METRICS for r in cfg["record"]):
        raise SpecError(
            f"record must be a list of metrics among {list(METRICS)}; got {cfg['record']!r}"
        )
    for k, v in prob.items():
        if isinstance(v, (dict, list)):
            raise SpecError(f"problem.{k} must be a number or string; got {v!r}")
    _feasible(cfg)
    facts = _problem_facts(json.dumps({"name": name, **prob}, sort_keys=True))
    L = facts.L
    if cfg["byzantine_data"] == "label_flip" and cfg["f"] > 0 and not facts.labels:
        raise SpecError(f'byzantine_data = "label_flip" needs a problem with labels; got {name!r}')
    _workers_fit(cfg, name, facts)
    if lr == "theory" and not L > 0:
        raise SpecError(f'lr = "theory" (1/(8LT)) needs a problem with L > 0; got L = {L!r}')
    cfg["problem"] = {"name": name, **prob}
    return cfg


def _feasible(cfg: dict[str, Any]) -> None:
    """What :func:`sco.simulate` would reject at its start, checked without computing."""
    m, f = cfg["m"], cfg["f"]
    if f >= m:
        raise SpecError(f"f must satisfy 0 <= f < m; got f = {f}, m = {m}")
    _aggregator_fits(cfg["aggregator"], m, f)
    bd = cfg["byzantine_data"]
    if bd is not None and bd not in BYZANTINE_DATA:
        raise SpecError(f"byzantine_data must be one of {list(BYZANTINE_DATA)}; got {bd!r}")
    if cfg["attack"] is None and f > 0 and bd is None:
        raise SpecError(f'attack is required when f > 0 (got f = {f}), e.g. attack = "alie"')
    if cfg["attack"] is not None and bd is not None and f > 0:
        raise SpecError(f"give either attack or byzantine_data = {bd!r}, not both")
    cp = cfg["checkpoints"]
    if cp is not None and (
        not isinstance(cp, list)
        or not cp
        or any(isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= cfg["T"] for t in cp)
    ):
        raise SpecError(f"checkpoints must be a list of steps in [1, T = {cfg['T']}]; got {cp!r}")


def _generation() -> tuple[int, int]:
    """Changes whenever a registry changes: the caches below key on it, so a rule registered,
    replaced or removed after a spec was checked is checked again."""
    return sco_registry.generation(), problems.registry.generation()


def _aggregator_fits(spec: str, m: int, f: int) -> None:
    _aggregator_fits_at(spec, m, f, _generation())


@functools.lru_cache(maxsize=1024)
def _aggregator_fits_at(spec: str, m: int, f: int, generation: tuple[int, int]) -> None:
    """m/f feasibility of the aggregator: its declared minimum (nested rules included), then one
    call on m one-dimensional inputs, which runs the checks only made on data (e.g. k <= m of
    multi_krum, the buckets of bucketing)."""
    agg = aggregators.make(spec)
    need = agg.min_workers(f)
    if m < need:
        raise SpecError(f"m: aggregator {spec} needs m >= {need} for f = {f}; got m = {m}")
    x = np.linspace(-1.0, 1.0, m)[None, :, None]
    try:
        agg(x, f=f, rng=np.random.default_rng(0))
    except ValueError as exc:
        raise SpecError(f"aggregator {spec} with m = {m}, f = {f}: {exc}") from None


class _Facts(NamedTuple):
    """What validation needs to know about a built problem."""

    L: float  # smoothness constant
    labels: bool  # has labels to flip (stoch_grad_flipped)
    h: int | None  # honest objectives of a heterogeneous (per-worker) problem, else None
    byzantine_h: int | None  # objectives of its .byzantine (for byzantine_data = "own"), or None


def _problem_facts(prob_json: str) -> _Facts:
    return _problem_facts_at(prob_json, _generation())


def _worker_count(p: object) -> int | None:
    """``p.h`` for a problem with per-worker objectives (what ``sco.simulate`` recognises as
    one, :func:`sco.problem.is_worker_problem`), else None."""
    return int(p.h) if is_worker_problem(p) else None  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=256)
def _problem_facts_at(prob_json: str, generation: tuple[int, int]) -> _Facts:
    """Build the problem once per distinct table (every keyword and range checked by its
    constructor); return its smoothness constant L, whether it has labels to flip and, for a
    heterogeneous problem, its number of honest objectives h and of Byzantine ones."""
    kw = json.loads(prob_json)
    name = kw.pop("name")
    try:
        p = problems.make(name, **kw)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"problem ({name}): {exc}") from None
    return _Facts(
        L=float(p.L),
        labels=hasattr(p, "stoch_grad_flipped"),
        h=_worker_count(p),
        byzantine_h=_worker_count(getattr(p, "byzantine", None)),
    )


def _workers_fit(cfg: dict[str, Any], name: str, facts: _Facts) -> None:
    """What :func:`sco.simulate` requires of m, f and byzantine_data on a heterogeneous problem
    (one honest worker per objective, docs/theory.md §7), checked before any run."""
    m, f, bd = cfg["m"], cfg["f"], cfg["byzantine_data"]
    if facts.h is not None and m - f != facts.h:
        raise SpecError(
            f"m - f must equal problem.h = {facts.h} for a heterogeneous problem; "
            f"got m = {m}, f = {f}"
        )
    if bd == "own" and f > 0 and facts.byzantine_h != f:
        have = "none" if facts.byzantine_h is None else f"h = {facts.byzantine_h}"
        raise SpecError(
            f'byzantine_data = "own" needs a problem whose .byzantine holds f = {f} objectives '
            f'(e.g. heterogeneous_quadratic kind = "h1", scenario = 1); {name} has {have}'
        )
    if bd in ("label_flip", "sign_flip") and f > 0 and facts.h is not None:
        raise SpecError(
            f'byzantine_data = "{bd}" needs identical workers; on the heterogeneous problem '
            f'{name} use "own" or an attack'
        )


def _int(key: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SpecError(f"{key} must be an integer >= {low}; got {value!r}")


_EXAMPLE = {"aggregator": "ctma(cwtm)", "estimator": "mu2sgd", "attack": "alie"}


# (registry generation, kind, spec string) already built once: a grid's runs repeat the same few
# strings, and building them is most of the validation time
_VALID: set[tuple[tuple[int, int], str, str]] = set()


def _spec_string(key: str, value: Any, make: Any, kind: str) -> None:
    if not isinstance(value, str):
        raise SpecError(f"{key} must be a spec string like {_EXAMPLE[kind]!r}; got {value!r}")
    seen = (_generation(), kind, value)
    if seen in _VALID:
        return
    try:
        make(value)
    except ValueError as exc:
        raise SpecError(f"{key}: {exc}") from exc
    _VALID.add(seen)


def run_key(cfg: dict[str, Any], version: str) -> str:
    """Content hash of a run config plus the package version (the store's primary key)."""
    blob = json.dumps({"config": cfg, "version": version}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
