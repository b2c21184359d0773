"""The documentation: the site builds strictly, renders its formulas from local files, links
only inside the repository, and the guide's worked example says what its page says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
EXTERNAL = re.compile(r"""(?:href|src)=["'](?:https?:)?//""")


def markdown_sources() -> list[Path]:
    docs = [p for p in (ROOT / "docs").glob("*.md")]
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *docs]


@pytest.mark.parametrize("path", markdown_sources(), ids=lambda p: p.name)
def test_every_link_resolves_inside_the_repository(path: Path) -> None:
    for target in LINK.findall(path.read_text()):
        assert "://" not in target and not target.startswith("mailto:"), (
            f"{path.name} links outside the repository: {target}"
        )
        if target.startswith("#"):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} leaves the repository"
        assert resolved.exists(), f"{path.name}: {target} does not exist"


def test_no_text_sends_readers_outside_the_repository() -> None:
    for path in [*markdown_sources(), *ROOT.glob("notebooks/*.ipynb")]:
        text = path.read_text()
        assert "../shared" not in text and "THEORY.md" not in text, path.name
    for path in [
        *ROOT.glob("sco/**/*.py"),
        *ROOT.glob("problems/**/*.py"),
        *ROOT.glob("verify/**/*.py"),
    ]:
        text = path.read_text()
        assert "THEORY.md" not in text and "DESIGN.md" not in text, path


@pytest.mark.slow
def test_site_builds_strictly_with_local_math(tmp_path: Path) -> None:
    out = tmp_path / "html"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
         str(ROOT / "docs"), str(out), "-d", str(tmp_path / "doctrees")],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    assert "WARNING" not in run.stdout + run.stderr, (run.stdout + run.stderr)[-4000:]
    theory = (out / "theory.html").read_text()
    assert 'src="_static/mathjax/tex-chtml.js' in theory
    assert (out / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert theory.count('class="math') > 50  # the formulas are math, not text
    for page in ("_generated/claims.html", "guide.html", "architecture.html", "api.html"):
        assert (out / page).exists(), page
    claims_page = (out / "_generated" / "claims.html").read_text()
    assert all(f"<td><p>{cid}</p></td>" in claims_page for cid in ("K1", "E0", "S1", "C1"))
    notebooks = sorted((out / "_notebooks").glob("*.html"))
    assert len(notebooks) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert all("cell_output" in p.read_text() for p in notebooks)  # executed, with outputs
    for html in out.rglob("*.html"):
        assert not EXTERNAL.search(html.read_text()), f"{html.name} links outside the site"


@pytest.mark.slow
def test_the_guides_example_says_what_the_guide_says() -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import verify_own_rule as ex
    finally:
        sys.path.pop(0)
    out = ex.main("smoke")
    assert out["conformance"] == (
        *("shape", "no-mutation", "batching", "batch-equals-loop", "determinism"),
        "permutation-invariance",
    )
    for key in (
        "K1 vs CTMA(CWTM)'s κ",
        "R1",
        "R2",
        "far_trim: bound",
        "far_trim: slope",
        "ctma(cwtm): bound",
        "ctma(cwtm): slope",
    ):
        assert out[key].passed, f"{key}: {out[key]}"  # type: ignore[attr-defined]
    assert out["far_trim: bound"].tightness < 0.05  # type: ignore[attr-defined]

    # "a median of means that groups workers by index fails permutation invariance (0.23)"
    from sco.testing import check_aggregator

    def median_of_means(x: np.ndarray, *, f: int) -> np.ndarray:
        groups = [x[..., g::3, :].mean(axis=-2) for g in range(3)]
        return np.median(np.stack(groups, axis=-2), axis=-2)

    with pytest.raises(AssertionError, match=r"not permutation invariant \(max diff 0.2"):
        check_aggregator(median_of_means, m=11, f=2)
