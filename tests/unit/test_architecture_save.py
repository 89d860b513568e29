"""``us-annotator architecture --case C --save``: the analysis written into the case as the
app's Analyse Muscle Architecture adds it, once (``--replace`` replaces an earlier one), and
``--save`` (here and on ``track``) refusing to write a case another copy of the app has open,
which would save its own version over it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydicom.uid import ExplicitVRLittleEndian

from annotator.case import lock as case_lock
from annotator.case.document import CaseDocument
from annotator.case.io import load_case, save_case
from annotator.case.measure import measure_annotation
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.case.validation import check_case_file
from annotator.cli import main as cli_main
from tests.architecture_images import H, W, muscle_image, true_thickness
from tests.unit.dicom_factory import us_region, write_native

FRAMES = 6


def _case(tmp_path: Path) -> Path:
    """A case of a 6-frame DICOM clip (0.1 mm per pixel by its region) of a muscle whose
    fascicles steepen from 20 to 30 degrees, with one caliper of the user's already."""
    frames = [muscle_image(seed=k, fascicle_deg=20.0 + 2.0 * k) for k in range(FRAMES)]
    write_native(tmp_path / "clip.dcm", np.stack(frames), transfer_syntax=ExplicitVRLittleEndian,
                 SequenceOfUltrasoundRegions=[us_region(0, 0, W - 1, H - 1, 0.01, 0.01)], FrameTime=33.3)
    case = Case(title="architecture")
    case.media = [MediaRef("m1", "clip.dcm")]
    case.annotations = [Annotation.single("a1", "m1", "line", 0, [(200.0, 150.0), (280.0, 175.0)], label="mine")]
    return save_case(case, tmp_path / "muscle.uscase.json")


def test_the_analysis_is_saved_as_keyed_annotations_of_the_case(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _case(tmp_path)
    assert cli_main(["architecture", "clip.dcm", "--case", str(path), "--save", "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert "saved into" in err and "(thickness)" in err and "(pennation)" in err and "(fascicle)" in err
    report, doc = check_case_file(path, check_points=True, check_checksums=True)
    assert doc is not None
    doc.close()
    assert not report.errors, report.errors
    case = load_case(path)
    kinds = {a.kind: a for a in case.annotations}
    assert set(kinds) == {"line", "thickness", "pennation", "fascicle"}  # the user's caliper kept
    for kind in ("thickness", "pennation", "fascicle"):
        a = kinds[kind]
        assert a.media == "m1" and a.frame == 0 and a.frame_end == FRAMES - 1
        assert sorted(a.keyframes) == list(range(FRAMES))
        assert set(a.confidence) == set(range(FRAMES))  # each frame's confidence, as in the app
    # the saved annotations measure what the command printed, in mm from the media's region;
    # the fascicle's ends lie past the image (extrapolated) and it is measured in mm all the
    # same, at the scale of the aponeuroses it lies on (it read 517.7 px: "a point lies outside
    # the calibrated 2D tissue region"), and the case validates (it failed: points outside)
    assert rows[0]["fascicle_extrapolated"] is True
    ends = kinds["fascicle"].keyframes[0][:2]
    assert any(not (0 <= x < W and 0 <= y < H) for x, y in ends), ends
    doc = CaseDocument.load(path)
    try:
        for frame in (0, FRAMES - 1):
            calibration = doc.calibration("m1", frame)
            for kind, quantity, key in (("thickness", "thickness", "thickness_mm"),
                                        ("fascicle", "fascicle_length", "fascicle_length_mm"),
                                        ("pennation", "pennation", "deep_pennation_deg")):
                values = {m.quantity: m for m in measure_annotation(kinds[kind], frame, calibration, image_size=(W, H))}
                assert values[quantity].unit == ("deg" if quantity == "pennation" else "mm"), values[quantity]
                assert values[quantity].source is not None
                assert values[quantity].value == pytest.approx(rows[frame][key], rel=0.01), (kind, frame)
    finally:
        doc.close()
    expected = true_thickness(80, 260, -3, 4, 0.1, 0.1, 20.0)
    assert rows[0]["thickness_mm"] == pytest.approx(expected, rel=0.04)


def test_a_fascicle_leaving_the_image_on_a_screen_capture_is_extrapolated_in_the_case_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A scanner's screen saved as a PNG declares no image: the analysis finds it and marks the
    fascicle extrapolated where it runs past it into the black margin. The annotation saved from
    that row said the same fascicle was not (it only looked at the frame's edges): the case, the
    table, the plot and every export now say "extrapolated" where the row does."""
    import cv2

    from tests.unit.test_bmode_area import IMAGE_BOX, screen

    cv2.imwrite(str(tmp_path / "screen.png"), screen(fascicle_deg=22.0))
    case = Case(title="screen capture")
    case.media = [MediaRef("m1", "screen.png")]
    path = save_case(case, tmp_path / "screen.uscase.json")
    assert cli_main(["architecture", "screen.png", "--case", str(path), "--save", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["fascicle_extrapolated"] is True and row["confidence"] >= 0.5
    fascicle = next(a for a in load_case(path).annotations if a.kind == "fascicle")
    ends = fascicle.keyframes[0][:2]
    frame_w, frame_h = 720, 480
    x0, y0, x1, y1 = IMAGE_BOX
    # past the B-mode image, yet inside the frame: the frame's edges alone see nothing
    assert all(0 <= x < frame_w and 0 <= y < frame_h for x, y in ends), ends
    assert any(not (x0 <= x < x1 and y0 <= y < y1) for x, y in ends), ends
    doc = CaseDocument.load(path)
    try:
        (length,) = [m for m in doc.measure(fascicle) if m.quantity == "fascicle_length"]
        assert length.extrapolated and length.display().endswith("(extrapolated)")
        assert length.value == pytest.approx(row["fascicle_length_px"], rel=0.01)
    finally:
        doc.close()


def test_saving_again_is_refused_unless_it_replaces_the_earlier_analysis(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A batch script run twice gave the media two sets of analysis annotations. Now the
    second run stops with one line and leaves the case alone; with --replace the earlier
    set (not the user's caliper, nor an analysis annotation the user renamed) gives way to
    the new one; an earlier set linked from a finding is not replaced (the link would go)."""
    path = _case(tmp_path)
    save = ["architecture", "clip.dcm", "--case", str(path), "--save", "--json"]
    assert cli_main(save) == 0
    first = {a.id: a.kind for a in load_case(path).annotations}
    capsys.readouterr()
    before = path.read_bytes()
    assert cli_main(save) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "already holds an analysis" in err and "--replace" in err
    assert path.read_bytes() == before

    case = load_case(path)
    renamed = next(a for a in case.annotations if a.kind == "fascicle")
    renamed.label = "my fascicle"  # the user's own now
    save_case(case, path)
    assert cli_main([*save, "--replace"]) == 0
    assert "in place of" in capsys.readouterr().err
    after = load_case(path).annotations
    kinds = sorted(a.kind for a in after)
    assert kinds == ["fascicle", "fascicle", "line", "pennation", "thickness"], kinds
    assert any(a.id == renamed.id and a.label == "my fascicle" for a in after)
    assert {a.id for a in after if a.kind == "line"} == {k for k, v in first.items() if v == "line"}

    case = load_case(path)
    thickness = next(a for a in case.annotations if a.kind == "thickness")
    case.findings = [Finding("f1", "atrophy", "vastus lateralis", "right",
                             attributes={"thickness": AttributeValue(annotation=thickness.id, quantity="thickness")})]
    save_case(case, path)
    before = path.read_bytes()
    assert cli_main([*save, "--replace"]) == 2
    assert "linked from finding f1" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert cli_main(["architecture", "clip.dcm", "--case", str(path), "--replace"]) == 2
    assert "give --save too" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--save"], "--save writes into --case"),
    (["--save", "--case", "CASE", "--mm-per-px", "0.1"], "calibrate the media in the case"),
])
def test_save_needs_a_case_and_keeps_its_calibration(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      args: list[str], message: str) -> None:
    path = _case(tmp_path)
    before = path.read_bytes()
    args = [str(path) if a == "CASE" else a for a in args]
    assert cli_main(["architecture", str(tmp_path / "clip.dcm"), *args]) == 2
    assert message in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize("command", ["architecture", "track"])
def test_save_leaves_a_case_open_in_the_app_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  command: str) -> None:
    """The app holds the case's lock while it has the case open and saves its own copy of it;
    a command that wrote the case meanwhile would lose its work at the app's next save. It is
    refused with one line naming who holds the case, the case left byte for byte."""
    path = _case(tmp_path)
    if command == "track":  # a thickness to track (the generated speckle changes every frame)
        assert cli_main(["architecture", "clip.dcm", "--case", str(path), "--save"]) == 0
        capsys.readouterr()
    before = path.read_bytes()
    app = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # a live copy of the app
    lock = case_lock.lock_path(path)
    info = case_lock.LockInfo(app.pid, socket.gethostname(), "sonographer", "2026-12-06T09:00:00+00:00")
    lock.write_text(json.dumps(info.to_json()), encoding="utf-8")  # as the app writes it on opening the case
    try:
        args = (["architecture", "clip.dcm", "--case", str(path), "--save"] if command == "architecture"
                else ["track", str(path), "a2", "--from", "1", "--save"])
        assert cli_main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and "already open" in err and "without --save" in err, err
        assert path.read_bytes() == before
        assert case_lock.holder_of(path) == info  # the app's lock is left where it was
    finally:
        app.kill()
        app.wait()
        lock.unlink()
    # once the app has closed it, the command writes the case
    assert cli_main(args) == 0
    assert path.read_bytes() != before
    assert case_lock.holder_of(path) is None  # and lets go of it


def test_an_extrapolated_fascicle_is_followed_and_checked_within_bounds(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The analysis' fascicle reaches past the image on frame 0; tracking it from there was
    refused ("point 2 lies outside the image") and is now followed in mm. A fascicle end
    further than ``validation.FAR`` images away is still an error, as any other point outside."""
    from annotator.case.validation import FAR

    path = _case(tmp_path)
    assert cli_main(["architecture", "clip.dcm", "--case", str(path), "--save"]) == 0
    capsys.readouterr()
    fascicle = next(a for a in load_case(path).annotations if a.kind == "fascicle")
    assert cli_main(["track", str(path), fascicle.id, "--from", "0", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["frame"] for r in rows] == list(range(FRAMES))
    assert all(r["unit"] == "mm" and r["value"] is not None for r in rows), rows
    assert rows[-1]["value"] < rows[0]["value"]  # the fascicles steepen: shorter between the aponeuroses

    case = load_case(path)
    a = next(x for x in case.annotations if x.kind == "fascicle")
    far = [(-(FAR + 1) * W, 0.0), *a.keyframes[0][1:]]
    a.keyframes[0] = far
    line = next(x for x in case.annotations if x.kind == "line")
    line.keyframes[0] = [(-5.0, 10.0), (40.0, 10.0)]
    save_case(case, path)
    report, doc = check_case_file(path, check_points=True, check_checksums=False)
    if doc is not None:
        doc.close()
    assert any(f"annotation {a.id}: point" in e and "far outside" in e for e in report.errors), report.errors
    assert any(f"annotation {line.id}: point (-5, 10)" in e for e in report.errors), report.errors
