"""The ``sco`` command line.

Exit codes of ``sco verify``: 0 every claim passes and every negative control is rejected;
1 a claim fails or is vacuous, or a negative control passes; 3 nothing failed but a verdict is
inconclusive; 2 bad usage (one line on stderr, before any computation). Every command: 2 bad
usage (a bad spec, option or output directory, checked before computing), 130 stopped by Ctrl-C,
143 by SIGTERM (``sco sweep`` keeps every finished run; a rerun resumes).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sco import __version__


class _UsageError(Exception):
    """Bad usage: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _writable_dir(path: str) -> Path:
    """Create ``path`` (a directory) and check that files can be written in it, before any
    computation, or raise a usage error naming it."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise _UsageError(f"--out {path} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".sco-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise _UsageError(f"--out {path} is not writable: {exc.strerror or exc}") from None
    return out


def _verdict_line(v: object) -> str:
    from verify import report
    from verify.verdict import Verdict

    assert isinstance(v, Verdict)
    tight = f" tightness {report.num(v.tightness)}" if v.tightness is not None else ""
    n = f"{v.n_seeds} seeds × " if v.n_seeds > 1 else ""
    div = f", {v.n_diverged} diverged" if v.n_diverged else ""
    return (
        f"{report.name(v):<22} {report.outcome(v):<15} {report.estimate(v)} {report.ci(v)} "
        f"{report.predicted(v)}{tight} ({n}{len(v.instances)} inst.{div})"
    )


def _cmd_verify(args: argparse.Namespace) -> int:
    from verify import claims, figures, report

    known = claims.ids()
    wanted = [i.upper() for i in args.ids] or known
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise _UsageError(f"unknown claim id(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    if args.workers < 1:
        raise _UsageError(f"--workers must be >= 1; got {args.workers}")
    out = _writable_dir(args.out)

    def show(v: object) -> None:
        print(_verdict_line(v), flush=True)

    print(f"{'claim':<22} {'status':<15} estimate CI predicted", flush=True)
    result = claims.run_all(wanted, args.scale, workers=args.workers, on_verdict=show)
    figs = figures.draw_all(result.verdicts, out.resolve())
    path = report.write(result, out, figs)
    print(f"{result.summary} ({result.seconds:.0f} s); wrote {path}")
    return result.exit_code


def _cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from sco import __version__
    from verify.sweep import SpecError, Store, StoreError, expand, load_spec
    from verify.sweep.runner import execute
    from verify.sweep.spec import run_key

    try:
        runs = expand(load_spec(args.spec))
    except SpecError as exc:
        raise _UsageError(str(exc)) from exc
    if len(runs) != 1:
        raise _UsageError(f"{args.spec} describes {len(runs)} runs; use 'sco sweep' for a grid")
    store = None
    if args.out:
        _writable_dir(args.out)
        try:
            store = Store(args.out)
        except StoreError as exc:
            print(f"sco: error: {exc}", file=sys.stderr)
            return 1
    try:
        res = execute(runs[0])
        if store is not None:
            store.put(run_key(runs[0], __version__), runs[0], __version__, res)
    finally:
        if store is not None:
            store.close()
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


def _confirm(yes: bool) -> Callable[[int, float], bool]:
    """Before a grid of more than ``sweep.LARGE`` pending runs: go on with --yes, ask on a
    TTY, refuse (usage error) otherwise."""

    def ask(n: int, seconds: float) -> bool:
        size = f"{n} runs to compute, estimated {_duration(seconds)}"
        if yes:
            print(f"sco: {size}", file=sys.stderr, flush=True)
            return True
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise _UsageError(f"{size}; pass --yes to start a sweep of more than 1000 runs")
        print(f"sco: {size}. Continue? [y/N] ", end="", file=sys.stderr, flush=True)
        try:
            return input().strip().lower() in ("y", "yes")
        except EOFError:
            return False

    return ask


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"~{seconds:.0f} s"
    if seconds < 7200:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


def _cmd_sweep(args: argparse.Namespace) -> int:
    from verify import sweep

    if args.scheduler is not None and args.executor != "dask":
        raise _UsageError("--scheduler needs --executor dask (the local executor has none)")
    if args.workers < 1:
        raise _UsageError(f"--workers must be >= 1; got {args.workers}")
    try:
        sweep.expand(sweep.load_spec(args.spec))  # the whole grid, before anything else
    except sweep.SpecError as exc:
        raise _UsageError(str(exc)) from exc
    _writable_dir(args.out)
    try:
        summary = sweep.run(
            args.spec,
            args.out,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            confirm=_confirm(args.yes),
            progress=True,
        )
    except sweep.SpecError as exc:
        raise _UsageError(str(exc)) from exc
    except sweep.Declined:
        print("sco: not started", file=sys.stderr)
        return 1
    except sweep.Interrupted as exc:
        print(exc, file=sys.stderr, flush=True)
        return 128 + int(exc.signum)
    except sweep.StoreError as exc:
        print(f"sco: error: {exc}", file=sys.stderr)
        return 1
    print(f"{summary.total} runs: {summary.ran} ran, {summary.skipped} already in {summary.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    results = Path(args.results)
    if (results / "verdicts.json").exists():
        from verify import figures, report

        try:
            result = report.load(results)
        except ValueError as exc:
            print(f"sco: error: {exc}", file=sys.stderr)
            return 1
        figs = figures.draw_all(result.verdicts, results.resolve())
        path = report.write(result, results, figs)
        print(f"redrew {len(figs)} figures and {path} from {results / 'verdicts.json'}")
        return 0
    from verify import sweep
    from verify.sweep.summary import write_summary

    try:
        df = sweep.load(args.results)
    except sweep.StoreError as exc:
        print(f"sco: error: {exc}", file=sys.stderr)
        return 1
    path = write_summary(df, results)
    print(f"wrote {path}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    import problems
    from sco import aggregators, attacks, estimators
    from sco._registry import load_plugins
    from verify import claims

    load_plugins()  # installed packages' rules (entry-point group byzsco.plugins)
    print("problems:    " + ", ".join(problems.names()))
    print("aggregators: " + ", ".join(aggregators.names()))
    print("attacks:     " + ", ".join(attacks.names()))
    print("estimators:  " + ", ".join(estimators.names()))
    print("claims:      " + ", ".join(f"{c} ({claims.get(c).statement})" for c in claims.ids()))
    return 0


def _cmd_kappa(args: argparse.Namespace) -> int:
    import numpy as np

    from sco import aggregators
    from sco._registry import load_plugins
    from sco.robustness import kappa_star
    from sco.robustness.kappa_star import validate

    load_plugins()
    try:
        agg = aggregators.make(args.spec)
    except ValueError as exc:
        raise _UsageError(f"SPEC: {exc}") from None
    m, f = args.m, args.f
    try:
        validate(agg, m, f)
    except ValueError as exc:  # "m ..." / "f ...": name the option
        raise _UsageError(f"--{exc}") from None
    out = Path(args.out) if args.out else Path(f"kappa-{agg.name}-m{m}-f{f}.npy")
    if out.suffix != ".npy":
        raise _UsageError(f"--out must name a .npy file; got {out}")
    if not out.parent.is_dir():
        raise _UsageError(f"--out {out}: directory {out.parent} does not exist")
    res = kappa_star(agg, m, f, no_attack=args.no_attack, method=args.method, rng=args.seed)
    what = "eps*" if args.no_attack else "kappa*"
    table = None if args.no_attack else agg.kappa(m, f)
    print(f"{what}({agg.spec}; m={m}, f={f}) = {res.value:.10g}")
    print(f"  lower {res.lower:.10g}  (the instance's ratio through the implemented rule)")
    print(f"  upper {res.upper:.10g}  gap {res.gap:.3g}")
    print(
        f"  method {res.method}{' (a supremum: approached, not attained)' if res.supremum else ''}"
    )
    print(f"  certificate {res.certificate}")
    if table is not None:
        print(f"  table kappa (docs/theory.md §2) {table:.6g}")
    np.save(out, res.instance)
    subset = "all rows" if args.no_attack else f"the first {m - f} rows"
    print(
        f"  instance [{res.instance.shape[0]}, {res.instance.shape[1]}] ({subset} are S) -> {out}"
    )
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


EPILOG = """exit codes: 0 success (verify: every claim passes, every negative control is
rejected); 1 verify: a claim fails or is vacuous, or a negative control passes (other commands:
a damaged results store, or a large sweep not confirmed); 3 verify: nothing failed but a verdict
is inconclusive; 2 bad usage: a bad spec key, option or --out, reported as one line naming it
before anything is computed; 130 interrupted by Ctrl-C, 143 by SIGTERM (sco sweep prints
"interrupted: N of M runs stored; rerun to resume" and keeps every finished run).
sco sweep asks before a grid of more than 1000 runs (--yes to skip the question; required off a
terminal), and off a terminal writes a progress line per finished run."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sco",
        description="byzsco: verify Byzantine-robust stochastic convex optimisation by simulation.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"byzsco {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p_verify = sub.add_parser(
        "verify", help="run the claims of docs/theory.md §5 with their controls; write a report"
    )
    p_verify.add_argument("ids", nargs="*", metavar="ID", help="claim IDs (default: all)")
    p_verify.add_argument(
        "--scale",
        choices=("smoke", "quick", "full"),
        default="quick",
        help="smoke: seconds; quick (default): a few minutes; full: research",
    )
    p_verify.add_argument("--out", default="report", help="report directory (default: report)")
    p_verify.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes running claims side by side (default: 2, or 1 on one CPU)",
    )
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
    p_sweep.add_argument(
        "--scheduler",
        help="address of an existing dask.distributed scheduler (with --executor dask)",
    )
    p_sweep.add_argument(
        "--yes", action="store_true", help="start a grid of more than 1000 runs without asking"
    )
    p_sweep.set_defaults(handler=_cmd_sweep)
    p_report = sub.add_parser(
        "report",
        help="redraw a verify report from its verdicts.json, or summarise a sweep's results",
    )
    p_report.add_argument("results")
    p_report.set_defaults(handler=_cmd_report)
    p_list = sub.add_parser("list", help="problems, aggregators, attacks, estimators and claims")
    p_list.set_defaults(handler=_cmd_list)
    p_kappa = sub.add_parser(
        "kappa",
        help="the exact worst-case robustness κ* of a rule (docs/theory.md §6), with certificates",
    )
    p_kappa.add_argument("spec", metavar="SPEC", help="aggregator spec, e.g. krum or 'ctma(krum)'")
    p_kappa.add_argument("--m", type=int, required=True, help="workers")
    p_kappa.add_argument("--f", type=int, required=True, help="Byzantine workers, 0 <= f < m/2")
    p_kappa.add_argument(
        "--no-attack", action="store_true", help="the no-attack accuracy ε* (all rows honest)"
    )
    p_kappa.add_argument(
        "--method",
        choices=("closed form", "SDP", "SOCP enumeration", "search only"),
        help="force a method (default: the strongest that applies)",
    )
    p_kappa.add_argument("--seed", type=int, default=0, help="seed of a search (default 0)")
    p_kappa.add_argument(
        "--out", help="where to write the extremal instance (default kappa-NAME-mM-fF.npy)"
    )
    p_kappa.set_defaults(handler=_cmd_kappa)
    p_bench = sub.add_parser(
        "bench", help="run a benchmark script (aggregators, simulate, sweep, ...)"
    )
    p_bench.add_argument(
        "which",
        choices=("aggregators", "simulate", "sweep", "orderstats", "kappa_probe", "kappa_star"),
    )
    p_bench.add_argument("args", nargs=argparse.REMAINDER)
    p_bench.set_defaults(handler=_cmd_bench)
    return parser


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C (the sweep stops its workers and keeps finished runs)."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    previous = None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        try:
            previous = signal.signal(signal.SIGTERM, _terminate)
        except ValueError:  # not the main thread: leave SIGTERM alone
            previous = None
        return int(args.handler(args))
    except _UsageError as exc:
        print(f"sco: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sco: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`sco list | head`): stop quietly, as Unix tools do; point stdout
        # at devnull so the interpreter's final flush does not raise again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # stdout is not a file descriptor: nothing left to flush into the pipe
        return 141
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
