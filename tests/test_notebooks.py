"""Every notebook executes at smoke scale (BYZSCO_SCALE=smoke), is stored without outputs, and
asserts its conclusions instead of typing measured numbers into its prose."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_at_least_four_notebooks() -> None:
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_and_executes(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"
    monkeypatch.setenv("BYZSCO_SCALE", "smoke")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    assert os.environ["BYZSCO_SCALE"] == "smoke"


MEASURED = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*(?:µs|ms|%|×)|(?<![\w.])\d+\.\d+")


def typed_numbers(prose: str, code: str) -> list[str]:
    """Numbers in prose that look measured (decimals, or with a unit: µs, ms, %, ×) and that no
    code cell contains (a threshold the cells assert is allowed)."""
    return [n for n in MEASURED.findall(prose) if n.split()[0].rstrip("µsm%×") not in code]


def test_the_typed_number_rule_flags_what_notebook_04_used_to_say() -> None:
    old = "CTMA aggregated at least as fast (about 165 µs against 180–230 µs per call here)"
    assert typed_numbers(old, "") == ["165 µs", "230 µs"]
    assert typed_numbers("a measured 0.54 beside", "") == ["0.54"]
    assert typed_numbers("within −1 ± 0.15", "assert x <= -1 + 0.15") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_conclusions_are_asserted_and_no_measured_number_is_typed(path: Path) -> None:
    """Prose states directions; the numbers are computed by cells, and every threshold named in
    the prose is the one a cell asserts."""
    book = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    assert "assert " in code, f"{path.name} asserts none of its conclusions"
    for cell in book.cells:
        if cell.cell_type == "markdown":
            typed = typed_numbers(cell.source, code)
            assert not typed, f"{path.name}: {typed} typed in prose, not computed"
