"""The ``sco`` command line. Exit codes: 0 all claims pass, 1 a claim failed, 2 bad usage."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sco import __version__


class _UsageError(Exception):
    """Bad usage: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _cmd_verify(args: argparse.Namespace) -> int:
    from verify import claims, figures, report

    known = claims.ids()
    wanted = [i.upper() for i in args.ids] or known
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise _UsageError(f"unknown claim id(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    out = Path(args.out)
    verdicts = []
    start = time.perf_counter()
    print(f"{'claim':<24} {'verdict':<16} measured vs predicted")
    for cid in wanted:
        for negative in (False, True):
            try:
                v = claims.run(cid, args.scale, negative=negative)
            except LookupError:
                continue
            verdicts.append(v)
            name = cid + (" (negative)" if negative else "")
            print(f"{name:<24} {report.outcome(v):<16} {report.measured(v)} {report.predicted(v)}")
            sys.stdout.flush()
    elapsed = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    figs = figures.draw_all(verdicts, args.scale, out.resolve())
    path = report.write(verdicts, out, args.scale, elapsed, figs)
    ok = all(v.passed != v.negative_control for v in verdicts)
    print(f"{'all claims pass' if ok else 'SOME CLAIMS FAILED'} ({elapsed:.0f} s); wrote {path}")
    return 0 if ok else 1


def _cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from verify.sweep import SpecError, expand, load_spec
    from verify.sweep.runner import execute

    try:
        runs = expand(load_spec(args.spec))
    except SpecError as exc:
        raise _UsageError(str(exc)) from exc
    if len(runs) != 1:
        raise _UsageError(f"{args.spec} describes {len(runs)} runs; use 'sco sweep' for a grid")
    if args.out:
        from verify import sweep

        sweep.run(args.spec, args.out, progress=False)
    res = execute(runs[0])
    steps = res["steps"]
    print(
        f"{runs[0]['aggregator']} / {runs[0]['attack']} / {runs[0]['estimator']}, "
        f"{res['seeds'].size} seeds, T = {steps[-1]}, diverged {int(res['diverged'].sum())}"
    )
    for name in [k for k in res if k.startswith("metric.")]:
        v = res[name][:, -1]
        print(
            f"  {name[7:]:<14} at T: mean {np.nanmean(v):.4g} "
            f"(min {np.nanmin(v):.4g}, max {np.nanmax(v):.4g})"
        )
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from verify import sweep

    try:
        summary = sweep.run(
            args.spec,
            args.out,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    except sweep.SpecError as exc:
        raise _UsageError(str(exc)) from exc
    except sweep.StoreError as exc:
        print(f"sco: error: {exc}", file=sys.stderr)
        return 1
    print(f"{summary.total} runs: {summary.ran} ran, {summary.skipped} already in {summary.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from verify import sweep
    from verify.sweep.summary import write_summary

    try:
        df = sweep.load(args.results)
    except sweep.StoreError as exc:
        print(f"sco: error: {exc}", file=sys.stderr)
        return 1
    path = write_summary(df, Path(args.results))
    print(f"wrote {path}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    import problems
    from sco import aggregators, attacks, estimators
    from verify import claims

    print("problems:    " + ", ".join(problems.names()))
    print("aggregators: " + ", ".join(aggregators.names()))
    print("attacks:     " + ", ".join(attacks.names()))
    print("estimators:  " + ", ".join(estimators.names()))
    print("claims:      " + ", ".join(f"{c} ({claims.get(c).statement})" for c in claims.ids()))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import runpy

    root = Path(__file__).resolve().parents[1] / "benchmarks"
    script = root / f"{args.which}.py"
    if not script.exists():
        raise _UsageError(
            f"benchmark scripts live in the source tree ({root}); not found: {script.name}"
        )
    sys.argv = [str(script), *args.args]
    runpy.run_path(str(script), run_name="__main__")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sco",
        description="byzsco: verify Byzantine-robust stochastic convex optimisation by simulation.",
    )
    parser.add_argument("--version", action="version", version=f"byzsco {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p_verify = sub.add_parser("verify", help="run the claims of THEORY.md §5 and write a report")
    p_verify.add_argument("ids", nargs="*", metavar="ID", help="claim IDs (default: all)")
    p_verify.add_argument(
        "--scale",
        choices=("smoke", "quick", "full"),
        default="quick",
        help="smoke: seconds; quick (default): a few minutes; full: research",
    )
    p_verify.add_argument("--out", default="report", help="report directory (default: report)")
    p_verify.set_defaults(handler=_cmd_verify)
    p_run = sub.add_parser("run", help="run one spec (a TOML file without lists)")
    p_run.add_argument("spec")
    p_run.add_argument("--out", help="also record the run in this results directory")
    p_run.set_defaults(handler=_cmd_run)
    p_sweep = sub.add_parser("sweep", help="run every point of a TOML sweep into a results store")
    p_sweep.add_argument("spec")
    p_sweep.add_argument("--out", default="results", help="results directory (default: results)")
    p_sweep.add_argument("--executor", choices=("local", "dask"), default="local")
    p_sweep.add_argument("--workers", type=int, default=1, help="processes (local) or dask workers")
    p_sweep.add_argument("--scheduler", help="address of an existing dask.distributed scheduler")
    p_sweep.set_defaults(handler=_cmd_sweep)
    p_report = sub.add_parser("report", help="figures and a summary from a results directory")
    p_report.add_argument("results")
    p_report.set_defaults(handler=_cmd_report)
    p_list = sub.add_parser("list", help="problems, aggregators, attacks, estimators and claims")
    p_list.set_defaults(handler=_cmd_list)
    p_bench = sub.add_parser(
        "bench", help="run a benchmark script (aggregators, simulate, sweep, ...)"
    )
    p_bench.add_argument(
        "which", choices=("aggregators", "simulate", "sweep", "orderstats", "kappa_probe")
    )
    p_bench.add_argument("args", nargs=argparse.REMAINDER)
    p_bench.set_defaults(handler=_cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        return int(args.handler(args))
    except _UsageError as exc:
        print(f"sco: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
