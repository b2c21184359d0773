"""The ``sco`` command line. Exit codes: 0 all claims pass, 1 a claim failed, 2 bad usage."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from sco import __version__


class _UsageError(Exception):
    """Bad usage: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _registered_claims() -> list[str]:
    """Claim IDs that have an experiment registered (none until verify.claims exists)."""
    try:
        claims = importlib.import_module("verify.claims")
    except ModuleNotFoundError:
        return []
    return list(claims.ids())


def _cmd_verify(args: argparse.Namespace) -> int:
    registered = _registered_claims()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not registered:
        msg = "No claims are registered yet: nothing was verified (this is not a pass)."
        print(msg)
        (out / "verdicts.json").write_text("[]\n")
        (out / "report.md").write_text(
            f"# byzsco verification report\n\nbyzsco {__version__}\n\n{msg}\n"
        )
        print(f"wrote {out / 'report.md'} and {out / 'verdicts.json'}")
        return 0
    raise _UsageError("claims are registered but this CLI cannot run them yet")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sco",
        description="byzsco: verify Byzantine-robust stochastic convex optimisation by simulation.",
    )
    parser.add_argument("--version", action="version", version=f"byzsco {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p_verify = sub.add_parser("verify", help="run the claims of THEORY.md §5 and write a report")
    p_verify.add_argument("ids", nargs="*", metavar="ID", help="claim IDs (default: all)")
    p_verify.add_argument("--scale", choices=("smoke", "quick", "full"), default="quick")
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
