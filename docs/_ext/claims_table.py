"""Sphinx extension: the claims page, generated from ``verify.claims`` at build time.

Each claim's statement, reference, family, negative controls and parameters come from the
registry itself, so the site never holds a second copy that could drift from the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The claims page as MyST markdown."""
    from verify import claims

    lines = [
        "# The claims",
        "",
        "Generated from the claim registry (`verify.claims`) when the site is built. Each claim",
        "runs on instances drawn from its family and passes only if it passes on every one; each",
        "negative control is the same experiment with the named arguments changed and must be",
        "rejected by the same checks. The mathematics behind each statement is in",
        "[the theory page](../theory.md).",
        "",
        "| id | statement | reference | negative controls | instances (smoke / quick / full) |",
        "|---|---|---|---|---|",
    ]
    for cid in claims.ids():
        c = claims.get(cid)
        ctl = "; ".join(f"`{x.name}`: {x.description}" for x in c.controls) or "—"
        n = " / ".join(str(c.scales[s]["instances"]) for s in claims.SCALES)
        lines.append(
            f"| {cid} | {_escape(c.statement)} | {_escape(c.reference)} | {_escape(ctl)} | {n} |"
        )
    lines += ["", "## Families and parameters", ""]
    for cid in claims.ids():
        c = claims.get(cid)
        lines += [f"### {cid}", "", f"**Family.** {_escape(c.family.description)}", ""]
        if c.stand_still is not None:
            lines += [
                "**Vacuity.** An optimiser that stands still runs on the same grid; if it passes",
                "too, the claim is reported VACUOUS.",
                "",
            ]
        quick = {k: v for k, v in c.scales["quick"].items()}
        params = ", ".join(f"`{k}={v!r}`" for k, v in quick.items())
        lines += [f"**Parameters at quick scale.** {_escape(params)}", ""]
    return "\n".join(lines) + "\n"


def _write(app: Any) -> None:
    out = Path(app.srcdir) / "_generated"
    out.mkdir(exist_ok=True)
    path = out / "claims.md"
    text = render()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
