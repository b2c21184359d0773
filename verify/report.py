"""Write a verification report: ``report.md`` (table of verdicts), ``verdicts.json``, figures."""

from __future__ import annotations

import json
from pathlib import Path

from sco import __version__

from .checks import Verdict


def measured(v: Verdict) -> str:
    return f"{v.quantity} {v.estimate:.3g} [{v.ci[0]:.3g}, {v.ci[1]:.3g}]"


def predicted(v: Verdict) -> str:
    if v.relation == "±":
        return f"{v.predicted:.3g} ± {v.tolerance:.3g}"
    return f"{v.relation} {v.predicted:.3g}"


def outcome(v: Verdict) -> str:
    """PASS/FAIL, and for negative controls whether the checker rejected them as it must."""
    if v.negative_control:
        return "rejected ✓" if not v.passed else "NOT rejected ✗"
    return "PASS" if v.passed else "FAIL"


def write(
    verdicts: list[Verdict], out: Path, scale: str, seconds: float, figures: list[Path]
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "verdicts.json").write_text(json.dumps([v.to_dict() for v in verdicts], indent=2) + "\n")
    lines = [
        "# byzsco verification report",
        "",
        f"byzsco {__version__}, scale `{scale}`, {seconds:.0f} s. Claims of THEORY.md §5; "
        "each negative control must be rejected by the same checker.",
        "",
        "| claim | statement | measured | predicted | verdict |",
        "|---|---|---|---|---|",
    ]
    for v in verdicts:
        name = v.claim + (" (negative control)" if v.negative_control else "")
        lines.append(f"| {name} | {v.statement} | {measured(v)} | {predicted(v)} | {outcome(v)} |")
    details = [v for v in verdicts if "checks" in v.details or "delta_exponent" in v.details]
    if details:
        lines += ["", "## Details", ""]
        for v in details:
            for c in v.details.get("checks", []):
                lines.append(f"- {v.claim}: {c}")
            if "delta_exponent" in v.details and not v.negative_control:
                lines.append(
                    f"- {v.claim}: measured δ-exponent of the excess loss "
                    f"{v.details['delta_exponent']:.2f} (information, not a verdict)"
                )
    if figures:
        lines += ["", "## Figures", ""] + [f"![{p.stem}]({p.name})" for p in figures]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
