"""``us-annotator export`` on bad input: one ``error:`` line, exit 2, nothing left behind."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from export_data import make_case, run_cli
from PIL import Image
from PySide6.QtWidgets import QApplication

import annotator.export.output as output
from annotator.case.io import save_case
from annotator.case.model import Case


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _app = QApplication.instance() or QApplication([])
    return make_case(tmp_path_factory.mktemp("cli-case"), with_video=False, with_still=False).case_path


def _fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run_cli(*args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err.splitlines()) == 1
    return err


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_unknown_extension(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, str(case_file), str(tmp_path / "out.xyz"))
    assert "out.xyz" in err and ".png" in err and ".pptx" in err
    assert _leftovers(tmp_path) == []


def test_existing_output_needs_force(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.csv"
    out.write_text("precious\n")
    err = _fails(capsys, str(case_file), str(out))
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "precious\n"
    assert run_cli(str(case_file), str(out), "--force") == 0
    assert out.read_text(encoding="utf-8-sig").startswith("annotation,")
    assert _leftovers(tmp_path) == ["m.csv"]


def test_missing_and_unwritable_folders(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    err = _fails(capsys, str(case_file), str(tmp_path / "no" / "such" / "fig.png"))
    assert "does not exist" in err
    # root may write anywhere, so the permission check itself is what is tested here
    monkeypatch.setattr(output.os, "access", lambda path, mode: False)
    err = _fails(capsys, str(case_file), str(tmp_path / "fig.png"))
    assert "not writable" in err
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["fig.png", "clip.mp4", "sr.dcm", "report.html"])
def test_full_disk_leaves_no_file(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The disk fills up in the middle of writing: the half-written file is removed."""
    real_fsync = output._fsync

    def full_disk(path: Path) -> None:
        with open(path, "ab") as handle:  # some bytes made it, then the disk was full
            handle.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "_fsync", full_disk)
    err = _fails(capsys, str(case_file), str(tmp_path / name))
    assert "disk is full" in err and name in err
    assert _leftovers(tmp_path) == []
    monkeypatch.setattr(output, "_fsync", real_fsync)


def test_full_disk_inside_a_writer(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(self: Image.Image, fp: object, *args: object, **kwargs: object) -> None:
        Path(str(fp)).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", no_space)
    err = _fails(capsys, str(case_file), str(tmp_path / "fig.png"))
    assert "disk is full" in err
    assert _leftovers(tmp_path) == []


def test_case_without_media(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_path = tmp_path / "empty.uscase.json"
    save_case(Case(title="empty"), case_path)
    err = _fails(capsys, str(case_path), str(tmp_path / "fig.png"))
    assert "no media" in err
    assert _leftovers(tmp_path) == ["empty.uscase.json"]


def test_bad_case_file_and_bad_choices(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.uscase.json"
    broken.write_text("{ not json")
    assert str(broken) in _fails(capsys, str(broken), str(tmp_path / "fig.png"))
    assert "frame 99" in _fails(capsys, str(case_file), str(tmp_path / "fig.png"), "--frame", "99")
    assert "'m9'" in _fails(capsys, str(case_file), str(tmp_path / "fig.png"), "--media", "m9")
    assert "layout" in _fails(capsys, str(case_file), str(tmp_path / "fig.png"), "--layout", "two")
    assert "do not fit" in _fails(capsys, str(case_file), str(tmp_path / "fig.png"), "--layout", "1x1")
    assert "5..50" in _fails(capsys, str(case_file), str(tmp_path / "c.mp4"), "--from", "5", "--to", "50")
    assert "speed" in _fails(capsys, str(case_file), str(tmp_path / "c.mp4"), "--speed", "0")
    assert _leftovers(tmp_path) == ["broken.uscase.json"]


def test_success_prints_what_was_written_and_the_caption(case_file: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fig.png"
    assert run_cli(str(case_file), str(out), "--caption", "My own words.") == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "de-identification: typed text checked against" in printed and "caption: My own words." in printed
    assert out.stat().st_mode & 0o777 != 0o600  # a normal file, not mkstemp's private one
