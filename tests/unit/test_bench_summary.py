"""`make bench` ends with every target a benchmark printed as not met, and exits 1 then, even
when the module itself returned 0 (export, scrub and architecture report their figures, met
or not, and return 0)."""

from __future__ import annotations

from types import ModuleType

import pytest

from benchmarks.__main__ import main, missed


def _module(lines: list[str], status: int = 0) -> ModuleType:
    module = ModuleType("fake")

    def run() -> int:
        import sys

        assert sys.stdout.encoding  # the stream's other attributes are the real one's
        for line in lines:
            print(line)
        return status

    module.main = run  # type: ignore[attr-defined]
    return module


def test_the_lines_of_missed_targets_are_picked_by_their_verdict() -> None:
    lines = ["speed 53.4 fps (target >= 25: met)", "structure tracking 72 fps (target >= 100: NOT met)",
             "export 2.03x: FAIL", "decode 0.91x: PASS", "the figures met the eye", "FAILED nothing"]
    assert missed(lines) == ["structure tracking 72 fps (target >= 100: NOT met)", "export 2.03x: FAIL"]
    # an indented line is named by the clip or data set it belongs to
    per_clip = ["p6_passive.mp4: 394 frames; ends detected on their own", "  drift +0.72 mm (target 0.3: NOT met)",
                "  speed: met", "data set 1: 153 images", "  thickness RMSE 3.01 % (target <= 3.0 %: NOT met)"]
    assert missed(per_clip) == ["p6_passive.mp4: drift +0.72 mm (target 0.3: NOT met)",
                                "data set 1: thickness RMSE 3.01 % (target <= 3.0 %: NOT met)"]


def test_a_missed_target_printed_by_a_module_that_returns_0_fails_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    modules = {"benchmarks.bench_a": _module(["a: 1.0x (target 2x: met)"]),
               "benchmarks.bench_b": _module(["b: thickness 3.01 % (target <= 3.0 %: NOT met)"])}
    assert main(["a", "b"], load=modules.__getitem__) == 1
    out = capsys.readouterr().out
    assert "b: thickness 3.01 %" in out  # printed as the module ran ...
    tail = out.split("== targets not met ==", 1)[1]
    assert "[b] b: thickness 3.01 % (target <= 3.0 %: NOT met)" in tail  # ... and again at the end
    assert "[a]" not in tail


def test_a_run_whose_targets_are_all_met_exits_0_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    modules = {"benchmarks.bench_a": _module(["a: 1.0x (target 2x: met)"])}
    assert main(["a"], load=modules.__getitem__) == 0
    assert "== every target printed was met ==" in capsys.readouterr().out
    failing = {"benchmarks.bench_a": _module(["a: fine"], status=1)}  # a module's own status still counts
    assert main(["a"], load=failing.__getitem__) == 1
