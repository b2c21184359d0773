"""A verification report: ``report.md`` (the verdict table and per-instance details),
``verdicts.json`` (every verdict with its measurements) and figures drawn from the verdicts.

:func:`load` reads ``verdicts.json`` back, so ``sco report DIR`` redraws a report without
running any experiment again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sco import __version__

from .claims.registry import Outcome
from .verdict import Status, Verdict

FORMAT = 2  # verdicts.json layout version


def num(v: float | None) -> str:
    """A number in 3 significant digits with a real minus sign (— for None, nan as nan)."""
    if v is None:
        return "—"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if isinstance(v, float) and math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.3g}".replace("-", "−")


def outcome(v: Verdict) -> str:
    """A claim's status, or for a negative control whether it was rejected as it must be."""
    if v.negative_control:
        return {
            Status.FAIL: "rejected ✓",
            Status.PASS: "NOT rejected ✗",
            Status.VACUOUS: "NOT rejected ✗",
            Status.INCONCLUSIVE: "inconclusive ?",
        }[v.status]
    return v.status.value


def estimate(v: Verdict) -> str:
    return num(v.estimate)


def ci(v: Verdict) -> str:
    lo, hi = v.ci
    return "point" if lo == hi else f"[{num(lo)}, {num(hi)}]"


def predicted(v: Verdict) -> str:
    if v.relation == "≈":
        return f"≈ {num(v.predicted)} ± {num(v.tolerance)}"
    return f"{v.relation} {num(v.predicted)}"


def seeds(v: Verdict) -> str:
    tried = v.details.get("seeds_tried")
    if tried and len(tried) > 1:
        return f"{v.n_seeds} (after {' → '.join(map(str, tried))})"
    return str(v.n_seeds) if v.n_seeds > 1 else "—"


def name(v: Verdict) -> str:
    return f"{v.claim} ¬ {v.details.get('control', 'control')}" if v.negative_control else v.claim


def row(v: Verdict) -> list[str]:
    """The report table's columns for one verdict."""
    what = f"control: {v.control}" if v.negative_control else v.statement
    return [
        name(v),
        outcome(v),
        v.quantity,
        estimate(v),
        ci(v),
        predicted(v),
        num(v.tightness),
        seeds(v),
        str(len(v.instances)),
        str(v.n_diverged),
        what,
    ]


HEADER = [
    "claim",
    "status",
    "quantity",
    "estimate",
    "CI",
    "predicted",
    "tightness",
    "seeds",
    "instances",
    "diverged",
    "statement / control",
]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return out


def markdown(result: Outcome, figures: list[Path]) -> str:
    """``report.md``'s text."""
    lines = [
        "# byzsco verification report",
        "",
        f"byzsco {result.extra.get('version', __version__)}, scale `{result.scale}`, "
        f"{result.seconds:.0f} s. Claims of docs/theory.md §5, each run on instances drawn "
        "from its family; a claim passes only if it passes on every instance, and each "
        "negative control must be rejected by the same checks.",
        "",
        f"**Outcome: {result.summary}** (exit code {result.exit_code}).",
        "",
        "Tightness is measured/bound, the largest over the grid: near 1 the bound is sharp, far "
        "below 1 it is loose (for a floor, floor/measured). CIs are 95 % seed-bootstrap "
        "intervals; deterministic measurements show a point.",
        "",
    ]
    lines += _table(HEADER, [row(v) for v in result.verdicts])
    lines += kappa_side_by_side(result.verdicts)
    lines += ["", "## Per instance", ""]
    for v in result.verdicts:
        lines += [f"### {name(v)}: {outcome(v)}", ""]
        if v.family:
            lines += [f"Family: {v.family}", ""]
        parts = [
            [
                p.instances[0] if p.instances else "",
                p.quantity,
                p.status.value,
                num(p.estimate),
                ci(p),
                predicted(p),
                num(p.tightness),
                _note(p),
            ]
            for p in v.parts
        ]
        header = ["instance", "check", "status", "estimate", "CI", "predicted", "tightness", "note"]
        lines += [*_table(header, parts), ""]
    if figures:
        lines += ["## Figures", ""] + [f"![{p.stem}]({p.name})" for p in figures]
    return "\n".join(lines) + "\n"


def kappa_side_by_side(verdicts: Sequence[Verdict]) -> list[str]:
    """K1's rules at each (m, f) of its instances: the declared table κ (docs/theory.md §2), the
    exact κ* (§6, where proven at that size) and the worst ratio the search found, side by
    side (empty when K1 did not run)."""
    rows = []
    for v in verdicts:
        if v.claim != "K1" or v.negative_control:
            continue
        for p in v.parts:
            meas = p.measurement
            if meas is None or "kappa_star" not in meas.config:
                continue
            c = meas.config
            for i, rule in enumerate(c["rules"]):
                star = c["kappa_star"][i]
                table = c["table"][i]
                found = float(meas.values[0, i])
                rows.append(
                    [
                        str(rule),
                        str(c["m"]),
                        str(c["f"]),
                        num(table),
                        num(star),
                        num(found),
                        num(found / star) if star else "—",
                        num(found / table) if table else "—",
                        str(c["bound"][i]),
                    ]
                )
    if not rows:
        return []
    header = ["rule", "m", "f", "table κ (§2)", "κ* (§6)", "worst found", "found/κ*"]
    header += ["found/table", "checked against"]
    return [
        "",
        "## κ: declared, exact and found (K1)",
        "",
        "Each rule at each (m, f) of K1's instances: the table value of docs/theory.md §2, the "
        "exact κ* of §6 where a proof or certificate applies at that size (— where none does), "
        "and the worst ratio the adversarial search found. K1 checks the worst found against "
        "κ* where it is known, else against the table.",
        "",
        *_table(header, rows),
    ]


def _note(p: Verdict) -> str:
    bits = []
    if "stand_still" in p.details:
        bits.append(f"stand-still: {p.details['stand_still']}")
    if "reason" in p.details:
        bits.append(str(p.details["reason"]))
    if "divergence" in p.details:
        bits.append(str(p.details["divergence"]))
    meas = p.measurement
    if meas is not None and "families" in meas.config:
        fams = sorted(set(meas.config["families"]))
        bits.append("worst from " + ", ".join(fams))
    if meas is not None and "delta_exponent" in meas.config:
        bits.append(f"δ-exponent {num(meas.config['delta_exponent'])} (information)")
    return "; ".join(bits)


def write(result: Outcome, out: Path, figures: list[Path]) -> Path:
    """Write ``verdicts.json`` and ``report.md`` into ``out``; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": result.extra.get("version", __version__),
        "scale": result.scale,
        "seconds": result.seconds,
        "exit_code": result.exit_code,
        "verdicts": [v.to_dict() for v in result.verdicts],
    }
    (out / "verdicts.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    path = out / "report.md"
    path.write_text(markdown(result, figures))
    return path


def load(out: Path) -> Outcome:
    """Read ``out/verdicts.json`` back into an :class:`~verify.claims.Outcome`."""
    path = Path(out) / "verdicts.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{out} holds no verdicts.json (run 'sco verify --out {out}')") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path} was written by another version of byzsco (format != {FORMAT})")
    verdicts = [Verdict.from_dict(v) for v in doc["verdicts"]]
    return Outcome(verdicts, float(doc["seconds"]), doc["scale"], {"version": doc["version"]})
