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
    figs = figures.draw_all(verdicts, args.scale, out.resolve()) if _mkdir(out) else []
    path = report.write(verdicts, out, args.scale, elapsed, figs)
    ok = all(v.passed != v.negative_control for v in verdicts)
    print(f"{'all claims pass' if ok else 'SOME CLAIMS FAILED'} ({elapsed:.0f} s); wrote {path}")
    return 0 if ok else 1


def _mkdir(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return True


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
