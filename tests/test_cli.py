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


def test_verify_writes_report_json_and_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rep"
    assert main(["verify", "K2", "k4", "K3", "--scale", "smoke", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "K3 (negative)" in printed and "rejected" in printed and "all claims pass" in printed
    verdicts = json.loads((out / "verdicts.json").read_text())
    assert [v["claim"] for v in verdicts] == ["K2", "K4", "K3", "K3"]
    for v in verdicts:
        assert {"claim", "passed", "estimate", "ci", "predicted", "negative_control"} <= set(v)
    assert verdicts[-1]["negative_control"] and not verdicts[-1]["passed"]
    report = (out / "report.md").read_text()
    assert "| K4 |" in report and "![kappa](kappa.png)" in report
    assert (out / "kappa.png").stat().st_size > 10_000


def test_verify_exits_1_when_a_claim_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from verify import checks
    from verify.claims import registry

    failing = registry.Claim(
        "K2", "always fails", "kappa", lambda scale: checks.check_ratio("K2", 2.0, 1.0)
    )
    monkeypatch.setitem(registry._CLAIMS, "K2", failing)
    assert main(["verify", "K2", "--scale", "smoke", "--out", str(tmp_path)]) == 1


def test_verify_rejects_unknown_claims(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "K9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sco: error: unknown claim id(s) K9") and err.count("\n") == 1


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("sco")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"byzsco {sco.__version__}"
