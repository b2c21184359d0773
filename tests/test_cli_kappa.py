"""``sco kappa``: value, bounds, method and certificate on stdout, the extremal instance in a
.npy file, and every bad input refused with exit 2 before computing (docs/theory.md §6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sco import aggregators as A
from sco.robustness import ratio
from verify.cli import main


def test_kappa_prints_the_constant_and_writes_the_instance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cwtm.npy"
    assert main(["kappa", "cwtm", "--m", "7", "--f", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "kappa*(cwtm; m=7, f=2) = 0.6666666667" in text
    assert "method closed form" in text and "table kappa" in text
    x = np.load(out)
    assert x.shape[0] == 7
    assert float(ratio(A.make("cwtm")(x, f=2), x, np.arange(5))) == pytest.approx(2 / 3, rel=1e-9)


def test_kappa_no_attack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "e.npy"
    assert main(["kappa", "cwtm", "--m", "7", "--f", "2", "--no-attack", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "eps*(cwtm; m=7, f=2) = 0.4" in text and "all rows are S" in text
    x = np.load(out)
    assert float(ratio(A.make("cwtm")(x, f=2), x)) == pytest.approx(0.4, rel=1e-9)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["kappa", "cwtm", "--m", "7", "--f", "4"], "--f must be an integer with 0 <= f < m/2"),
        (["kappa", "cwtm", "--m", "0", "--f", "0"], "--m must be an integer >= 1"),
        (["kappa", "krum", "--m", "6", "--f", "2"], "--m: krum needs m >= 7 for f = 2"),
        (["kappa", "krumm", "--m", "7", "--f", "2"], "SPEC:"),
        (["kappa", "cwtm", "--m", "7"], "--f"),
        (["kappa", "cwtm", "--m", "x", "--f", "1"], "--m"),
        (["kappa", "cwtm", "--m", "7", "--f", "1", "--method", "magic"], "--method"),
        (["kappa", "cwtm", "--m", "7", "--f", "1", "--out", "a.txt"], "--out must name a .npy"),
        (
            ["kappa", "cwtm", "--m", "7", "--f", "1", "--out", "/nonexistent/a.npy"],
            "does not exist",
        ),
    ],
)
def test_bad_input_exits_2_in_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sco: error:") and needle in err[0], err
