"""Every bad input to ``sco`` exits 2 with one stderr line naming the key or option, before any
computation and without a traceback (issue 12, part 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from verify.cli import main

GOOD = {
    "problem": '{ name = "quadratic", dim = 3 }',
    "aggregator": '"cwtm"',
    "attack": '"alie"',
    "estimator": '"sgd"',
    "m": "17",
    "f": "2",
    "T": "5",
    "lr": "0.1",
}


def _spec(tmp_path: Path, **changes: str | None) -> str:
    values = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    path = tmp_path / "spec.toml"
    path.write_text("".join(f"{k} = {v}\n" for k, v in values.items()))
    return str(path)


# (id, spec changes or None for a fixed argv, argv after the spec, text the message must contain)
CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("f9-m17-cwtm", {"f": "9"}, [], ["m >= 19", "f = 9"]),
    ("f-equals-m", {"f": "17"}, [], ["f must satisfy"]),
    ("dim-negative", {"problem": '{ name = "quadratic", dim = -3 }'}, [], ["dim"]),
    ("unknown-problem-kw", {"problem": '{ name = "quadratic", frobble = 2 }'}, [], ["frobble"]),
    ("unknown-problem", {"problem": '"quadratik"'}, [], ["problem.name"]),
    (
        "multi-krum-k5-m9",
        {"aggregator": '"multi_krum(k=5)"', "m": "9", "f": "4"},
        [],
        ["multi_krum(k=5)", "m >= 11"],
    ),
    ("nested-min-workers", {"aggregator": '"ctma(krum)"', "m": "9", "f": "4"}, [], ["m >= 11"]),
    ("multi-krum-k-above-m", {"aggregator": '"multi_krum(k=30)"'}, [], ["k <= m"]),
    ("bucketing-too-few-buckets", {"aggregator": '"bucketing(cwtm, s=9)"'}, [], ["bucketing"]),
    (
        "label-flip-without-labels",
        {"attack": None, "byzantine_data": '"label_flip"'},
        [],
        ["label_flip"],
    ),
    ("lr-infinite", {"lr": "inf"}, [], ["lr"]),
    ("dim-not-a-number", {"problem": '{ name = "quadratic", dim = "abc" }'}, [], ["dim"]),
    ("T-zero", {"T": "0"}, [], ["T must"]),
    ("seeds-zero", {"seeds": "0"}, [], ["seeds"]),
    ("no-attack-with-f", {"attack": None}, [], ["attack"]),
    ("unknown-attack", {"attack": '"frob"'}, [], ["attack"]),
    ("unknown-estimator", {"estimator": '"frob"'}, [], ["estimator"]),
    ("unknown-aggregator", {"aggregator": '"frob"'}, [], ["aggregator"]),
    ("unknown-key", {"frobble": "1"}, [], ["frobble"]),
    ("byzantine-data", {"attack": None, "byzantine_data": '"frob"'}, [], ["byzantine_data"]),
    ("checkpoints-beyond-T", {"checkpoints": "[1, 99]"}, [], ["checkpoints"]),
    ("lr-negative", {"lr": "-1"}, [], ["lr"]),
    ("bad-toml", {"m": "[1,"}, [], ["TOML"]),
]
SWEEP_ONLY: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("grid-f-2-4-9", {"f": "[2, 4, 9]"}, [], ["m >= 19", "f = 9"]),
    ("scheduler-with-local", {}, ["--scheduler", "tcp://127.0.0.1:1"], ["--scheduler"]),
    ("workers-zero", {}, ["--workers", "0"], ["--workers"]),
    ("unknown-executor", {}, ["--executor", "ray"], ["--executor"]),
]


@pytest.fixture
def no_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any computation fails the test: the errors must come first."""

    def boom(*args: object, **kw: object) -> None:
        raise AssertionError("computed before rejecting a bad input")

    import verify.sweep
    import verify.sweep.executors
    import verify.sweep.runner
    from verify import claims

    monkeypatch.setattr(verify.sweep.runner, "execute", boom)
    monkeypatch.setattr(verify.sweep.executors, "execute", boom)
    monkeypatch.setattr(verify.sweep, "estimate", boom)
    monkeypatch.setattr(claims, "run_all", boom)


def _check(capsys: pytest.CaptureFixture[str], argv: list[str], needles: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("sco: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.usefixtures("no_compute")
@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize(
    ("changes", "extra", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_spec_exits_2_before_computing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    changes: dict[str, Any],
    extra: list[str],
    needles: list[str],
) -> None:
    out = ["--out", str(tmp_path / "out")]
    _check(capsys, [command, _spec(tmp_path, **changes), *out, *extra], needles)
    assert not (tmp_path / "out" / "results.sqlite").exists()


@pytest.mark.usefixtures("no_compute")
@pytest.mark.parametrize(
    ("changes", "extra", "needles"), [c[1:] for c in SWEEP_ONLY], ids=[c[0] for c in SWEEP_ONLY]
)
def test_bad_sweep_exits_2_before_computing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, Any],
    extra: list[str],
    needles: list[str],
) -> None:
    out = ["--out", str(tmp_path / "out")]
    _check(capsys, ["sweep", _spec(tmp_path, **changes), *out, *extra], needles)
    assert not (tmp_path / "out" / "results.sqlite").exists()


@pytest.mark.usefixtures("no_compute")
@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize("what", ["directory", "missing"])
def test_bad_spec_path_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, what: str
) -> None:
    path = tmp_path if what == "directory" else tmp_path / "nope.toml"
    _check(capsys, [command, str(path), "--out", str(tmp_path / "out")], [str(path)])


@pytest.mark.usefixtures("no_compute")
@pytest.mark.parametrize("command", ["run", "sweep", "verify"])
@pytest.mark.parametrize("what", ["existing-file", "under-a-file"])
def test_unusable_out_exits_2_before_computing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, what: str
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = str(afile if what == "existing-file" else afile / "sub")
    args = ["K2", "--scale", "smoke"] if command == "verify" else [_spec(tmp_path)]
    _check(capsys, [command, *args, "--out", out], ["--out", out])
    assert afile.read_text() == "x"


def test_large_grid_off_a_tty_needs_yes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import verify.sweep

    monkeypatch.setattr(verify.sweep, "estimate", lambda jobs, workers: 4000.0)
    big = _spec(tmp_path, rng="[" + ", ".join(str(i) for i in range(1001)) + "]")
    err = _check(capsys, ["sweep", big, "--out", str(tmp_path / "out")], ["1001 runs", "--yes"])
    assert "~67 min" in err
    assert not (tmp_path / "out" / "results.sqlite").exists()


def test_sweep_writes_a_progress_line_per_run_off_a_tty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path, rng="[0, 1, 2]")
    assert main(["sweep", spec, "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("sweep: ")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert "3 runs: 3 ran, 0 already in" in captured.out
    assert main(["sweep", spec, "--out", str(tmp_path / "out")]) == 0
    assert "3 runs: 0 ran, 3 already in" in capsys.readouterr().out


@pytest.fixture
def small_large(monkeypatch: pytest.MonkeyPatch) -> str:
    """Grids of more than 2 runs count as large; returns a 3-run spec's argv tail."""
    import verify.sweep

    monkeypatch.setattr(verify.sweep, "LARGE", 2)
    return "[0, 1, 2]"


def test_large_grid_with_yes_prints_count_and_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_large: str
) -> None:
    spec = _spec(tmp_path, rng=small_large)
    assert main(["sweep", spec, "--out", str(tmp_path / "out"), "--yes"]) == 0
    err = capsys.readouterr().err
    assert "sco: 3 runs to compute, estimated ~" in err.splitlines()[0]


@pytest.mark.parametrize(("answer", "code"), [("y", 0), ("n", 1), ("", 1)])
def test_large_grid_on_a_tty_asks(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    small_large: str,
    answer: str,
    code: int,
) -> None:
    import sys

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *a: answer)
    spec = _spec(tmp_path, rng=small_large)
    assert main(["sweep", spec, "--out", str(tmp_path / "out")]) == code
    err = capsys.readouterr().err
    assert "3 runs to compute, estimated ~" in err and "Continue? [y/N]" in err
    if code:
        assert "not started" in err


def test_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """`sco list | head`: the reader goes away; the command stops with 141 (128 + SIGPIPE), no
    traceback."""
    from verify import cli

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert cli.main(["list"]) == 141
