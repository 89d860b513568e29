"""Hostile media: a corpus of mutated real DICOM files made at test time, pipes and devices.

Every input goes through ``us-annotator info`` and ``open_media(...).frame()`` in a child
process with a memory and a time limit (tests/hostile/forkrun.py). Each must give exit 0, or
exit 2 with one short ``error:`` line: never a signal (a native abort), a traceback or a hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.mutations import deflate_bomb, write_corpus

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def _run_forked(files: list[Path], out_dir: Path, workers: int = 2) -> list[dict[str, Any]]:
    chunks = [files[i::workers] for i in range(workers)]
    procs = []
    for i, chunk in enumerate(chunks):
        out = out_dir / f"results{i}.jsonl"
        procs.append((out, subprocess.Popen([sys.executable, str(HERE / "forkrun.py"), str(out), *map(str, chunk)],
                                            cwd=ROOT)))
    rows: list[dict[str, Any]] = []
    for out, proc in procs:
        assert proc.wait(timeout=600) == 0
        rows += [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return rows


def _problem(row: dict[str, Any]) -> str | None:
    """What is wrong with one result, or None."""
    status, err = row["status"], row["stderr"]
    if row["timed_out"]:
        return "hung (timed out)"
    if status < 0:
        return f"killed by signal {-status}"
    if "Traceback" in err:
        return "a traceback"
    if row["check"] == "frame":
        return None if status in (0, 2) else f"exit {status}: {err.strip()[-200:]}"
    if status not in (0, 2):
        return f"exit {status}"
    lines = err.splitlines()
    if status == 2 and not (len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) <= 300):
        return f"not one short error line: {err[:300]!r}"
    if status == 0 and any(line.startswith("error") for line in lines):
        return "an error line with exit 0"
    return None


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    files = write_corpus(folder)
    return _run_forked(files, tmp_path_factory.mktemp("results"))


def test_the_mutated_corpus_is_large_and_varied(hostile_results: list[dict[str, Any]]) -> None:
    names = {Path(r["path"]).name for r in hostile_results}
    assert len(names) >= 150  # pydicom-data alone gives ~250 mutations
    statuses = Counter(r["status"] for r in hostile_results if r["check"] == "info")
    assert statuses[0] > 20 and statuses[2] > 50  # many still open; many are refused


def test_no_input_kills_hangs_or_tracebacks(hostile_results: list[dict[str, Any]]) -> None:
    problems = [f"{r['check']} {Path(r['path']).name}: {p}" for r in hostile_results if (p := _problem(r))]
    assert not problems, "\n".join(problems[:30])


def test_gdcm_aborts_are_contained(hostile_results: list[dict[str, Any]]) -> None:
    # These made python-gdcm abort the process (SIGABRT) before decoding was made safe.
    by_name = {(Path(r["path"]).name, r["check"]): r for r in hostile_results}
    for name in ("JPEG2000.spp-swap.dcm", "US1_J2KR.spp1.dcm", "JPEGLSNearLossless_16.spp-swap.dcm"):
        for check in ("info", "frame"):
            row = by_name.get((name, check))
            if row is not None:
                assert row["status"] == 2, row


# -- pipes, devices, folders ------------------------------------------------------------------

def _cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annotator", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dev-urandom", "folder"])
@pytest.mark.parametrize("command", ["info", "validate", "measure", "track", "export", "architecture"])
def test_pipes_devices_and_folders_are_refused(tmp_path: Path, kind: str, command: str) -> None:
    target = {"dev-zero": "/dev/zero", "dev-urandom": "/dev/urandom", "folder": str(tmp_path)}.get(kind)
    if target is None:
        target = str(tmp_path / "pipe")
        os.mkfifo(target)
    args = {"track": [target, "a1"], "export": [target, str(tmp_path / "o.png")]}.get(command, [target])
    result = _cli([command, *args], timeout=30)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) <= 300, result.stderr
    assert any(word in lines[0] for word in ("named pipe", "device", "folder")), lines[0]
    assert not (tmp_path / "o.png").exists()


def test_a_case_file_over_64_mb_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.uscase.json"
    with big.open("wb") as fp:
        fp.truncate(65 * 1024 * 1024)  # sparse: no 65 MB written
    result = _cli(["validate", str(big)])
    assert result.returncode == 2 and "too large" in result.stderr and "64 MB" in result.stderr


def test_a_media_path_in_a_case_that_is_a_device_is_refused(tmp_path: Path) -> None:
    case = {"format": "us-annotator-case", "version": 1, "media": [{"id": "m1", "path": "/dev/zero"}],
            "annotations": []}
    path = tmp_path / "dev.uscase.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    for command in ("validate", "measure"):
        result = _cli([command, str(path)], timeout=30)
        assert result.returncode == 2 and "device" in result.stderr, result.stderr


# -- decompression bomb -----------------------------------------------------------------------

def test_a_deflate_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.dcm"
    bomb.write_bytes(deflate_bomb(1500))  # 1.5 GB of zeros in about 1.5 MB
    assert bomb.stat().st_size < 3_000_000
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"  # 1 GB: inflating would fail
        "from annotator.cli import main\n"
        f"sys.exit(main(['info', {str(bomb)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert "decompression bomb" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_genuine_deflated_file_still_opens(pydicom_data: Path) -> None:
    from pydicom.data import get_testdata_file

    from annotator.media import open_media

    with open_media(str(get_testdata_file("image_dfl.dcm"))) as media:
        assert media.frame(0).shape[:2] == (media.height, media.width)


# -- limits of stills and GIFs ----------------------------------------------------------------

def _limited_info(path: Path, memory_gb: float = 2.0, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({int(memory_gb * 2**30)}, {int(memory_gb * 2**30)}))\n"
        "from annotator.cli import main\n"
        f"sys.exit(main(['info', '--json', {str(path)!r}]))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def test_a_gif_of_200000_frames_is_refused_quickly(tmp_path: Path) -> None:
    import struct
    import time

    head = b"GIF89a" + struct.pack("<HHBBB", 2, 2, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"!\xf9\x04\x00\x02\x00\x00\x00" + b"," + struct.pack("<HHHHB", 0, 0, 2, 2, 0) + b"\x02\x02\x44\x01\x00"
    gif = tmp_path / "many.gif"
    gif.write_bytes(head + frame * 200_000 + b";")
    start = time.monotonic()
    result = _limited_info(gif)
    assert result.returncode == 2 and "more than 12,000 frames" in result.stderr, result.stderr
    assert time.monotonic() - start < 20


def test_a_10000_px_square_png_opens_in_bounded_memory(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    png = tmp_path / "big.png"
    image = np.zeros((10_000, 10_000), np.uint8)
    image[::100] = 255
    assert cv2.imwrite(str(png), image)
    del image
    result = _limited_info(png, memory_gb=2.0)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert (info["width"], info["height"]) == (10_000, 10_000)


# -- specific hostile DICOM -------------------------------------------------------------------

def test_a_jpeg2000_codestream_that_disagrees_with_the_header_is_refused_in_process(pydicom_data: Path) -> None:
    import pydicom
    from pydicom.data import get_testdata_file

    from annotator.media import MediaError, open_media

    ds = pydicom.dcmread(get_testdata_file("US1_J2KR.dcm"))
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"  # the codestream has 3
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "mismatch.dcm"
        ds.save_as(out)
        with open_media(out) as media, pytest.raises(MediaError, match="3 components but the header says 1"):
            media.frame(0)  # python-gdcm aborted the whole process here


def test_an_implausible_region_pixel_size_gives_valid_json_and_a_warning(tmp_path: Path) -> None:
    import numpy as np

    from tests.unit.dicom_factory import us_region, write_native

    path = write_native(tmp_path / "huge.dcm", np.zeros((1, 40, 50), np.uint8),
                        SequenceOfUltrasoundRegions=[us_region(0, 0, 49, 39, 1e308, 1e308)])
    result = _cli(["info", "--json", str(path)])
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)  # inf would not be valid JSON
    assert info["regions"] == [] and info["calibration_source"] is None
    assert any("not plausible" in w for w in info["warnings"])


@pytest.mark.corpus
def test_a_partly_transferred_multiframe_dicom_opens_its_whole_frames(corpus: Path, tmp_path: Path) -> None:
    from annotator.media import open_media

    data = (corpus / "orthanc-tests" / "Issue164.dcm").read_bytes()  # 87 JPEG frames
    part = tmp_path / "partial.dcm"
    part.write_bytes(data[: int(len(data) * 0.53)])
    with open_media(part) as media:
        assert media.frame_count == 46
        assert media.frame(45).shape == (media.height, media.width, 3)
        assert "46 of 87 frames" in media.open_warnings[0]
        assert "frames 47-87 are missing" in (media.metadata.get("missing_frames") or "")
    result = _cli(["info", "--json", str(part)])
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["frames"] == 46 and any("46 of 87" in w for w in info["warnings"])


def test_the_gdcm_worker_exits_with_its_parent(tmp_path: Path) -> None:
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import os\n"
        "from pydicom.data import get_testdata_file\n"
        "from annotator.media import open_media\n"
        "from annotator.media import dicom_safe_decode as safe\n"
        "if __name__ == '__main__':\n"
        "    media = open_media(get_testdata_file('JPGLosslessP14SV1_1s_1f_8b.dcm'))\n"
        "    media.raw_frame(0)  # JPEG Lossless: decoded by gdcm in the worker\n"
        "    print(*safe._pool._processes, flush=True)\n"
        "    os._exit(0)  # no clean shutdown, as after kill -9 or a crash\n",
        encoding="utf-8",
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    pids = [int(p) for p in result.stdout.split()]
    assert pids, result.stderr
    deadline = time.monotonic() + 15
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if _runs(p)]
    assert not alive, f"decoder worker(s) {alive} outlived their parent"


def _runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (re-)parent to reap it has exited
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True
