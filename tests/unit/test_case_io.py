"""The case file: round trips, relative media paths, checksums, migration, newer versions,
atomic save under simulated crashes, autosave and recovery."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.case import io as case_io
from annotator.case.errors import CaseError
from annotator.case.io import (
    autosave_for,
    autosave_path,
    case_from_dict,
    case_to_dict,
    discard_autosave,
    find_recoverable,
    load_case,
    recover_autosave,
    save_case,
    sha256_file,
    write_autosave,
)
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef, Style
from annotator.media.calibration import ManualCalibration


def full_case(media_path: str = "scan.png") -> Case:
    case = Case(title="Right thigh, 3 weeks after injury", notes="sprinter")
    case.media = [
        MediaRef("m1", media_path, None, ManualCalibration.from_line((10, 20), (110, 20), 5.0), "rest", "right"),
        MediaRef("m2", "other.png", None, ManualCalibration(0.1, bounds=(0, 0, 99, 49))),
    ]
    case.findings = [
        Finding(
            "f1", "tear", "rectus femoris", "right", "myotendinous junction",
            {
                "thickness": AttributeValue("full"),
                "grade": AttributeValue(3),
                "gap": AttributeValue(annotation="a1", quantity="length"),
                "gap_contraction": AttributeValue(annotation="a3", quantity="length", frame=40),
                "hematoma_long": AttributeValue(21.5, "mm"),
            },
            "MRI pending",
        ),
        Finding("f2", "nerve_enlargement", "median", "left", "carpal tunnel inlet"),
    ]
    case.annotations = [
        Annotation.single("a1", "m1", "line", 0, [(362, 352), (662, 352.25)], label="gap", finding="f1"),
        Annotation.single(
            "a2", "m1", "polygon", 0, [(1, 2), (30.5, 2), (30.5, 40), (1, 40)],
            style=Style("#ffcc00", 1.5, show_value=False), text="hematoma",
        ),
        Annotation(
            "a3", "m1", "line", 3, {3: [(0, 0), (10, 0)], 40: [(0, 0), (22.125, 0)]}, frame_end=60,
            label="gap dynamic", finding="f1", confidence={40: 0.875},
        ),
        Annotation.single("a4", "m2", "text", 0, [(5, 5)], text="proximal →"),
        Annotation.single("a5", "m2", "ellipse", 0, [(50, 25), (60, 25), (50, 30)], finding="f2"),
        Annotation.single("a6", "m2", "angle", 0, [(10, 0), (0, 0), (0, 10)]),
    ]
    return case


def write_media(folder: Path, name: str = "scan.png", content: bytes = b"pixels") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(content)
    return p


def test_dict_file_dict_round_trip(tmp_path: Path) -> None:
    case = full_case()
    d = case_to_dict(case)
    path = tmp_path / "case.uscase.json"
    path.write_text(json.dumps(d))
    loaded = load_case(path, check_media=False)
    assert case_to_dict(loaded) == d
    assert loaded.annotations == case.annotations
    assert loaded.findings == case.findings
    assert loaded.media == case.media
    assert loaded.title == case.title and loaded.notes == case.notes


def test_save_load_save_is_byte_identical(tmp_path: Path) -> None:
    write_media(tmp_path)
    write_media(tmp_path, "other.png", b"other")
    path = save_case(full_case(), tmp_path / "case.uscase.json")
    first = path.read_bytes()
    save_case(load_case(path), path)
    assert path.read_bytes() == first


def test_file_has_the_documented_keys(tmp_path: Path) -> None:
    write_media(tmp_path)
    path = save_case(full_case(), tmp_path / "case.uscase.json")
    d = json.loads(path.read_text())
    assert (d["format"], d["version"]) == ("us-annotator-case", 1)
    assert d["media"][0]["path"] == "scan.png"
    assert d["media"][0]["sha256"] == sha256_file(tmp_path / "scan.png")
    a1 = d["annotations"][0]
    assert a1 == {
        "id": "a1", "media": "m1", "frame": 0, "kind": "line", "points": [[362, 352], [662, 352.25]],
        "label": "gap", "finding": "f1",
    }
    a3 = d["annotations"][2]
    assert a3["frame_end"] == 60 and a3["keyframes"] == {"3": [[0, 0], [10, 0]], "40": [[0, 0], [22.125, 0]]}
    assert a3["confidence"] == {"40": 0.875}
    assert d["findings"][0]["attributes"]["gap_contraction"] == {"annotation": "a3", "quantity": "length", "frame": 40}


def test_issue_example_loads(tmp_path: Path) -> None:
    example = {
        "format": "us-annotator-case", "version": 1, "title": "...",
        "media": [{"id": "m1", "path": "scan.dcm"}],
        "findings": [{"id": "f1", "type": "tear", "structure": "rectus femoris", "side": "right"}],
        "annotations": [{"id": "a1", "media": "m1", "frame": 0, "kind": "line",
                         "points": [[362, 352], [662, 352]], "label": "gap", "finding": "f1"}],
    }
    case = case_from_dict(example, tmp_path / "x.uscase.json")
    assert case.annotation("a1").points == [(362.0, 352.0), (662.0, 352.0)]
    assert case.finding("f1").side == "right"


def test_media_paths_are_relative_to_the_case_file(tmp_path: Path) -> None:
    media = write_media(tmp_path / "scans", "knee.png")
    case = full_case(str(media))  # absolute in memory
    case.media = case.media[:1]
    case.annotations = case.annotations[:3]
    (tmp_path / "cases").mkdir()
    path = save_case(case, tmp_path / "cases" / "x.uscase.json")
    assert json.loads(path.read_text())["media"][0]["path"] == "../scans/knee.png"
    assert load_case(path).load_warnings == []
    # Save As elsewhere rewrites the relative path so it still points at the same file.
    (tmp_path / "deeper" / "x").mkdir(parents=True)
    moved = save_case(case, tmp_path / "deeper" / "x" / "y.uscase.json")
    assert json.loads(moved.read_text())["media"][0]["path"] == "../../scans/knee.png"
    assert load_case(moved).load_warnings == []


def test_absolute_media_paths_are_accepted(tmp_path: Path) -> None:
    media = write_media(tmp_path / "elsewhere")
    d = case_to_dict(full_case(str(media)))
    path = tmp_path / "c.uscase.json"
    path.write_text(json.dumps(d))
    case = load_case(path)
    assert case.resolve_media_path(case.media[0]) == media
    assert not any("m1" in w for w in case.load_warnings)


def test_missing_and_changed_media_warn_without_failing(tmp_path: Path) -> None:
    media = write_media(tmp_path)
    write_media(tmp_path, "other.png", b"other")
    path = save_case(full_case(), tmp_path / "case.uscase.json")
    media.write_bytes(b"different pixels")
    (tmp_path / "other.png").unlink()
    case = load_case(path)
    assert len(case.annotations) == 6
    warnings = case_io.case_warnings(case)
    assert any("m1" in w and "changed" in w and "SHA-256" in w for w in warnings)
    assert any("m2" in w and "not found" in w for w in warnings)


def test_case_moved_with_its_scans_finds_them_by_name(tmp_path: Path) -> None:
    write_media(tmp_path / "scans")
    case = full_case()
    case.media[0].path = "scans/scan.png"
    case.media, case.annotations = case.media[:1], case.annotations[:3]
    path = save_case(case, tmp_path / "case.uscase.json")
    new_home = tmp_path / "moved"
    write_media(new_home)
    (new_home / "case.uscase.json").write_bytes(path.read_bytes())
    loaded = load_case(new_home / "case.uscase.json")
    assert loaded.media[0].path == "scan.png"
    assert loaded.load_warnings and "beside the case" in loaded.load_warnings[0]


def test_version_0_is_migrated(tmp_path: Path) -> None:
    v0 = {
        "version": 0, "title": "old",
        "images": ["a.png", "b.png"],
        "shapes": [
            {"image": 0, "shape_type": "line", "points": [[0, 0], [10, 0]], "label": "gap"},
            {"image": 1, "frame": 2, "shape_type": "linestrip", "points": [[0, 0], [1, 1], [2, 0]]},
            {"image": 1, "shape_type": "rectangle", "points": [[1, 2], [5, 6]]},
            {"image": 0, "shape_type": "freehand", "points": [[0, 0], [4, 0], [4, 4], [0, 4]]},
            {"image": 0, "shape_type": "text", "points": [[3, 3]], "text": "distal"},
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(v0))
    case = load_case(path, check_media=False)
    assert [m.path for m in case.media] == ["a.png", "b.png"]
    assert [(a.kind, a.media, a.frame) for a in case.annotations] == [
        ("line", "m1", 0), ("polyline", "m2", 2), ("polygon", "m2", 0), ("polygon", "m1", 0), ("text", "m1", 0),
    ]
    assert case.annotations[2].points == [(1, 2), (5, 2), (5, 6), (1, 6)]
    assert case.annotations[4].text == "distal" and case.annotations[0].label == "gap"
    save_case(case, path)
    assert json.loads(path.read_text())["version"] == 1


def test_version_0_without_version_key_is_recognised_by_shapes(tmp_path: Path) -> None:
    path = tmp_path / "older.json"
    path.write_text(json.dumps({"images": ["a.png"], "shapes": []}))
    assert load_case(path, check_media=False).media[0].path == "a.png"


def test_bad_version_0_shape_names_it(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"version": 0, "images": ["a.png"], "shapes": [{"image": 0, "shape_type": "blob"}]}))
    with pytest.raises(CaseError, match=r"shapes\[0\]\.shape_type: unknown shape type 'blob'"):
        load_case(path)


def test_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    d = case_to_dict(full_case())
    d["version"] = 2
    path = tmp_path / "new.uscase.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CaseError) as info:
        load_case(path)
    message = str(info.value)
    assert str(path) in message and "newer us-annotator" in message and "version 2" in message


def _saved(tmp_path: Path) -> tuple[Path, bytes, Case]:
    write_media(tmp_path)
    write_media(tmp_path, "other.png", b"other")
    case = full_case()
    path = save_case(case, tmp_path / "case.uscase.json")
    case.title = "edited"
    case.annotations.pop()
    return path, path.read_bytes(), case


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_crash_at_replace_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, old, case = _saved(tmp_path)

    def crash(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(CaseError, match="could not save: No space left on device"):
        save_case(case)
    assert path.read_bytes() == old
    assert _leftovers(tmp_path) == []


def test_crash_while_writing_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, old, case = _saved(tmp_path)

    def crash(_fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(CaseError):
        save_case(case)
    assert path.read_bytes() == old
    assert _leftovers(tmp_path) == []


def test_interrupt_while_writing_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, old, case = _saved(tmp_path)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "chmod", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_case(case)
    assert path.read_bytes() == old
    assert _leftovers(tmp_path) == []


def test_save_keeps_the_file_mode(tmp_path: Path) -> None:
    path, _, case = _saved(tmp_path)
    path.chmod(0o640)
    save_case(case)
    assert path.stat().st_mode & 0o777 == 0o640


def test_save_refuses_to_overwrite_media_or_odd_names(tmp_path: Path) -> None:
    media = write_media(tmp_path, "scan.json", b"{}")
    case = full_case("scan.json")
    case.path = tmp_path / "c.uscase.json"
    with pytest.raises(CaseError, match="media"):
        save_case(case, media)
    assert media.read_bytes() == b"{}"
    with pytest.raises(CaseError, match=r"\.uscase\.json"):
        save_case(case, tmp_path / "scan.dcm")
    with pytest.raises(CaseError, match="no file name"):
        save_case(Case())


def test_save_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="could not save"):
        save_case(Case(), tmp_path / "nope" / "c.uscase.json")


def test_autosave_sidecar_and_recovery(tmp_path: Path) -> None:
    path, _, case = _saved(tmp_path)
    side = write_autosave(case)
    assert side == autosave_path(path) == tmp_path / ".case.uscase.json.autosave"
    assert autosave_for(path) == side
    assert find_recoverable([tmp_path]) == [side]
    recovered = recover_autosave(side)
    assert recovered.path == path
    assert recovered.title == "edited" and len(recovered.annotations) == 5
    assert recovered.resolve_media_path(recovered.media[0]) == tmp_path / "scan.png"
    save_case(recovered)  # saving the case removes its sidecar
    assert not side.exists()
    assert find_recoverable([tmp_path]) == []


def test_autosave_of_an_unsaved_case_goes_to_the_data_folder(tmp_path: Path) -> None:
    media = write_media(tmp_path)
    case = full_case(str(media))
    target = write_autosave(case, session="s1")
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert target == data_home / "us-annotator" / "autosave" / "unsaved-s1.uscase.json.autosave"
    assert find_recoverable() == [target]
    recovered = recover_autosave(target)
    assert recovered.path is None
    assert recovered.resolve_media_path(recovered.media[0]) == media
    discard_autosave(None, session="s1")
    assert find_recoverable() == []


def test_autosave_falls_back_when_the_case_folder_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.case import autosave

    path, _, case = _saved(tmp_path)
    real_write = autosave.atomic_write_text

    def read_only_case_folder(target: Path, text: str, mode: int | None = None) -> None:
        if target.parent == tmp_path:
            raise PermissionError(13, "Permission denied")
        real_write(target, text, mode)

    monkeypatch.setattr(autosave, "atomic_write_text", read_only_case_folder)
    target = write_autosave(case)
    assert target.parent == Path(os.environ["XDG_DATA_HOME"]) / "us-annotator" / "autosave"
    assert target.stat().st_mode & 0o777 == 0o600  # patient details: the owner's only
    assert target.parent.stat().st_mode & 0o777 == 0o700
    assert autosave_for(path) == target
    assert recover_autosave(target).path == path
    assert find_recoverable() == [target]
    os.utime(target, (1, 1))  # older than the case: saved since, nothing to recover
    assert find_recoverable() == []
    discard_autosave(path)
    assert not target.exists()


def test_stale_sidecar_is_not_offered(tmp_path: Path) -> None:
    path, _, case = _saved(tmp_path)
    side = write_autosave(case)
    os.utime(side, (1, 1))  # older than the case file
    assert autosave_for(path) is None
    assert find_recoverable([tmp_path]) == []


def test_autosaves_are_private_files_in_a_private_folder(tmp_path: Path) -> None:
    """Autosaves hold patient details: 0600 wherever they are, in a 0700 app folder (an
    existing, wider folder is narrowed), whatever the umask."""
    old = os.umask(0o022)
    try:
        folder = Path(os.environ["XDG_DATA_HOME"]) / "us-annotator" / "autosave"
        folder.mkdir(parents=True, mode=0o755)
        os.chmod(folder, 0o755)
        unsaved = write_autosave(Case(title="Doe"), session="s9")
        assert unsaved.stat().st_mode & 0o777 == 0o600
        assert folder.stat().st_mode & 0o777 == 0o700
        path, _, case = _saved(tmp_path)
        side = write_autosave(case)
        assert side.parent == path.parent and side.stat().st_mode & 0o777 == 0o600
        os.chmod(side, 0o644)  # a wider file from an older version is narrowed on the next write
        assert write_autosave(case).stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
