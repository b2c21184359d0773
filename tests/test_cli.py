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
    assert "K3 ¬ wrong_trim" in printed and "rejected ✓" in printed
    assert "every claim passes and every negative control is rejected" in printed
    doc = json.loads((out / "verdicts.json").read_text())
    verdicts = doc["verdicts"]
    assert [v["claim"] for v in verdicts] == ["K2", "K2", "K4", "K4", "K3", "K3"]
    assert doc["exit_code"] == 0 and doc["scale"] == "smoke"
    for v in verdicts:
        assert {"claim", "status", "estimate", "ci", "predicted", "tightness", "n_seeds"} <= set(v)
        assert v["measurement"] is not None and v["parts"]
    assert verdicts[-1]["negative_control"] and verdicts[-1]["status"] == "FAIL"
    report = (out / "report.md").read_text()
    header = report.splitlines()[
        report.splitlines().index(
            next(line for line in report.splitlines() if line.startswith("| claim |"))
        )
    ]
    for col in (
        "status",
        "estimate",
        "CI",
        "predicted",
        "tightness",
        "seeds",
        "instances",
        "diverged",
    ):
        assert f"| {col} |" in header
    assert "| K3 ¬ wrong_trim | rejected ✓ |" in report
    assert "control: CTMA keeping m − f + 1 rows" in report  # the control, not the statement
    assert "![k4](k4.png)" in report and (out / "k4.png").stat().st_size > 10_000


def test_report_is_redrawn_from_verdicts_json_without_running_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from verify.claims import registry

    out = tmp_path / "rep"
    assert main(["verify", "K2", "--scale", "smoke", "--out", str(out)]) == 0
    before = (out / "verdicts.json").read_text()
    (out / "k2.png").unlink()
    (out / "report.md").unlink()

    def forbidden(*a: object, **k: object) -> None:
        raise AssertionError("recomputed")

    monkeypatch.setattr(registry, "run", forbidden)
    assert main(["report", str(out)]) == 0
    assert (out / "k2.png").exists() and "| K2 | PASS |" in (out / "report.md").read_text()
    assert (out / "verdicts.json").read_text() == before
    assert "redrew 1 figures" in capsys.readouterr().out


def _fake_claim(cid: str, claim_status: str, control_status: str) -> object:
    import numpy as np

    from verify import Measurement, Status, Verdict
    from verify.claims import registry

    def experiment(*, which: str) -> list[Measurement]:
        return [Measurement(np.ones(1), np.ones((1, 1)), np.ones(1), config={"w": which})]

    def check(m: Measurement) -> Verdict:
        st = claim_status if m.config["w"] == "claim" else control_status
        return Verdict("X", Status(st), 1.0, (1.0, 1.0), 1.0, measurement=m)

    def draw(rng: object, n: int) -> list[registry.Instance]:
        return [registry.Instance("#1", {})]

    return registry.Claim(
        id=cid,
        statement="fake",
        reference="none",
        family=registry.Family("fake", draw, ()),  # type: ignore[arg-type]
        parts=(registry.Part("p", experiment, (check,)),),
        scales={s: {"instances": 1, "which": "claim"} for s in ("smoke", "quick", "full")},
        controls=(registry.Control("ctl", "fake control", {"which": "control"}),),
        seeded=False,
    )


@pytest.mark.parametrize(
    ("claim_status", "control_status", "code"),
    [
        ("PASS", "FAIL", 0),
        ("FAIL", "FAIL", 1),
        ("PASS", "PASS", 1),  # the CLI must not ignore a negative control that passes
        ("VACUOUS", "FAIL", 1),
        ("INCONCLUSIVE", "FAIL", 3),
        ("PASS", "INCONCLUSIVE", 3),
    ],
)
def test_verify_exit_codes(
    claim_status: str,
    control_status: str,
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from verify.claims import registry

    original = registry.get("K2")
    registry.register(_fake_claim("K2", claim_status, control_status), replace=True)
    try:
        argv = ["verify", "K2", "--scale", "smoke", "--out", str(tmp_path), "--workers", "1"]
        assert main(argv) == code
    finally:
        registry.register(original, replace=True)


def test_verify_refuses_an_unusable_out_before_computing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from verify.claims import registry

    monkeypatch.setattr(registry, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    afile = tmp_path / "file"
    afile.write_text("x")
    assert main(["verify", "K2", "--out", str(afile)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sco: error: --out") and err.count("\n") == 1
    assert main(["verify", "K2", "--out", str(afile / "sub")]) == 2


def test_verify_rejects_unknown_claims(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "K9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sco: error: unknown claim id(s) K9") and err.count("\n") == 1


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("sco")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"byzsco {sco.__version__}"
