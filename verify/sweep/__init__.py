"""Sweeps: TOML specs → runs → a resumable SQLite store → a long-form DataFrame.

``run(spec, out)`` executes every run of the spec that the store at ``out`` does not have yet
(locally or on Dask) and returns a :class:`Summary`; ``load(out)`` returns the results as a
pandas DataFrame with one row per (run, seed, step, metric).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sco import __version__

from . import executors
from .spec import SpecError, expand, run_key
from .spec import load as load_spec
from .store import Store, StoreError

__all__ = [
    "Declined",
    "Interrupted",
    "SpecError",
    "Store",
    "StoreError",
    "Summary",
    "estimate",
    "expand",
    "load",
    "load_spec",
    "pending",
    "run",
]


@dataclass(frozen=True)
class Summary:
    total: int
    skipped: int
    ran: int
    out: Path


class Interrupted(Exception):
    """The sweep was stopped (Ctrl-C, SIGTERM): ``stored`` of its ``total`` distinct runs are in
    the store, and a rerun computes only the others."""

    def __init__(self, stored: int, total: int, signum: int) -> None:
        super().__init__(f"interrupted: {stored} of {total} runs stored; rerun to resume")
        self.stored, self.total, self.signum = stored, total, signum


class Declined(Exception):
    """A large sweep was not confirmed (see ``confirm`` of :func:`run`)."""


#: Pending runs above which :func:`run` asks ``confirm`` before starting.
LARGE = 1000


def pending(runs: list[dict[str, Any]], out: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(key, config) of the distinct runs the store at ``out`` does not hold yet."""
    done: set[str] = set()
    if (Path(out) / "results.sqlite").exists():
        store = Store(out)
        try:
            done = store.keys()
        finally:
            store.close()
    jobs, seen = [], set(done)
    for cfg in runs:
        key = run_key(cfg, __version__)
        if key not in seen:
            jobs.append((key, cfg))
            seen.add(key)
    return jobs


def estimate(jobs: list[tuple[str, dict[str, Any]]], workers: int) -> float:
    """Rough wall time in seconds of ``jobs``: one short probe (T <= 20, one seed) of the first
    job, scaled by each job's T × seeds × m and divided among the workers."""
    import time

    from .runner import execute

    if not jobs:
        return 0.0
    cfg = dict(jobs[0][1])
    t_probe = min(int(cfg["T"]), 20)
    probe = dict(cfg, T=t_probe, seeds=1, checkpoints=None)
    t0 = time.perf_counter()
    execute(probe)
    per_unit = (time.perf_counter() - t0) / (t_probe * int(cfg["m"]))
    units = sum(int(c["T"]) * int(c["seeds"]) * int(c["m"]) for _, c in jobs)
    return per_unit * units / max(1, workers)


def run(
    spec: str | Path | dict[str, Any],
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
    confirm: Callable[[int, float], bool] | None = None,
) -> Summary:
    """Run a sweep; finished runs (same config and package version) are skipped.

    The whole grid is validated first (:class:`SpecError`). With more than :data:`LARGE`
    pending runs, ``confirm(n_pending, estimated_seconds)`` must return True (else
    :class:`Declined`); ``confirm=None`` does not ask. Progress on stderr: a bar on a TTY;
    off a TTY, with ``progress=True``, a line per finished run (at most one per 10 s above 100
    runs); ``progress=False``: none.
    KeyboardInterrupt or SystemExit during the sweep cancels the pending runs, stops the
    workers, keeps every finished run and raises :class:`Interrupted`.
    """
    raw = load_spec(spec) if not isinstance(spec, dict) else spec
    runs = expand(raw)
    if executor not in ("local", "dask"):
        raise SpecError(f"executor must be 'local' or 'dask'; got {executor!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError(f"workers must be an integer >= 1; got {workers!r}")
    if scheduler is not None and executor != "dask":
        raise SpecError("scheduler is only used by the dask executor (executor = 'dask')")
    jobs = pending(runs, out)
    if (
        confirm is not None
        and len(jobs) > LARGE
        and not confirm(len(jobs), estimate(jobs, workers))
    ):
        raise Declined(f"{len(jobs)} runs not started")
    distinct = len({run_key(cfg, __version__) for cfg in runs})
    store = Store(out)
    results = (
        executors.local(jobs, workers)
        if executor == "local"
        else executors.dask(jobs, workers, scheduler)
    )
    configs = dict(jobs)
    report = _progress(len(jobs), progress)
    try:
        for key, result in results:
            store.put(key, configs[key], __version__, result)
            report(key, configs[key])
    except (KeyboardInterrupt, SystemExit) as exc:
        results.close()
        keys = {run_key(cfg, __version__) for cfg in runs}
        stored = len(keys & store.keys())
        signum = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
        raise Interrupted(stored, distinct, signum) from None
    finally:
        results.close()
        report(None, None)
        store.close()
    return Summary(len(runs), len(runs) - len(jobs), len(jobs), Path(out))


def _progress(total: int, progress: bool | None) -> Callable[[str | None, Any], None]:
    """``report(key, cfg)`` after each stored run; ``report(None, None)`` at the end."""
    tty = sys.stderr.isatty()
    if progress is False or total == 0 or (progress is None and not tty):
        return lambda key, cfg: None
    if tty:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="run", file=sys.stderr)

        def update(key: str | None, cfg: Any) -> None:
            if key is None:
                bar.close()
            else:
                bar.update(1)

        return update
    import time

    t0 = last = time.monotonic()
    done = 0

    def line(key: str | None, cfg: Any) -> None:
        nonlocal done, last
        now = time.monotonic()
        if key is None:
            return
        done += 1
        if total > 100 and done < total and now - last < 10.0:
            return
        last = now
        eta = (now - t0) / done * (total - done)
        what = (
            f"{cfg['aggregator']} / {cfg['attack']} / {cfg['estimator']} m={cfg['m']} f={cfg['f']}"
        )
        print(
            f"sweep: {done}/{total} runs done ({now - t0:.0f} s, ~{eta:.0f} s left); "
            f"{key[:12]} {what}",
            file=sys.stderr,
            flush=True,
        )

    return line


def load(out: str | Path) -> Any:
    """The store at ``out`` as a long-form pandas DataFrame: config columns (``problem`` and
    ``problem.<kw>``, ``aggregator``, ``attack``, ``estimator``, ``m``, ``f``, ``T``, ``lr``,
    ``rng``, ...), ``run``, ``seed``, ``step``, ``metric``, ``value``, ``diverged`` (the seed's
    run diverged), ``eta`` (the resolved step size) and ``const.L``, ``const.D``,
    ``const.sigma2``, ``const.sigma_L2`` (the problem's constants; NaN for results stored before
    they were recorded)."""
    import numpy as np
    import pandas as pd

    if not (Path(out) / "results.sqlite").exists():
        raise StoreError(f"no results store in {out} (expected {Path(out) / 'results.sqlite'})")
    store = Store(out)
    frames = []
    try:
        for key, cfg, res in store.runs():
            flat = {
                k: v
                for k, v in cfg.items()
                if k not in ("problem", "record", "checkpoints", "plugins")
            }
            flat.update(
                {f"problem.{k}" if k != "name" else "problem": v for k, v in cfg["problem"].items()}
            )
            steps, seeds = res["steps"], res["seeds"]
            extra = {
                k: float(res[k]) if k in res else float("nan")
                for k in ("eta", "const.L", "const.D", "const.sigma2", "const.sigma_L2")
            }
            for name in [k for k in res if k.startswith("metric.")]:
                vals = res[name]
                frame = pd.DataFrame(
                    {
                        "seed": np.repeat(seeds, steps.size),
                        "step": np.tile(steps, seeds.size),
                        "metric": name.split(".", 1)[1],
                        "value": vals.ravel(),
                        "diverged": np.repeat(res["diverged"], steps.size),
                        **extra,
                    }
                )
                for k, v in flat.items():
                    frame[k] = v if not isinstance(v, (list, dict)) else str(v)
                frame["run"] = key[:12]
                frames.append(frame)
    finally:
        store.close()
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
