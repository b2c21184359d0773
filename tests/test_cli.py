"""The ``sco`` command line: help, version, usage errors, and an honest empty verify."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sco
from verify.cli import main


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"byzsco {sco.__version__}"
    assert main([]) == 0
    assert "verify" in capsys.readouterr().out


def test_bad_usage_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sco: error:") and err.count("\n") == 1
    assert main(["verify", "--scale", "huge"]) == 2


def test_verify_without_claims_says_nothing_was_verified(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    assert main(["verify", "--out", str(out)]) == 0
    assert json.loads((out / "verdicts.json").read_text()) == []
    assert "nothing was verified" in (out / "report.md").read_text()


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("sco")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"byzsco {sco.__version__}"
