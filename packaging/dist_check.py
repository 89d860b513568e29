"""Smoke-test the packaged app away from the venv: ``make dist-check``.

    python packaging/dist_check.py dist/us-annotator [--archive dist/us-annotator-V-linux-x86_64.tar.gz]

The bundle (unpacked from the archive when given, else copied) goes to a fresh temporary folder
and runs under ``env -i`` with only HOME, TMPDIR, LANG and QT_QPA_PLATFORM=offscreen. This
script runs in the venv: the venv is the reference the bundle must agree with. Checks:

1. ``--version`` prints the version of the checkout and every decoder's;
2. ``info --json --frame-hashes`` on a JPEG Baseline, RLE, JPEG 2000, JPEG-LS, JPEG lossless and
   palette DICOM from pydicom-data and on a generated MP4 gives the venv's pixel hashes;
3. ``export`` writes one file of every kind from the demo case; each is read back (magic,
   decoder, dciodvfy for DICOM when installed) and the measurements CSV equals the venv's;
4. ``--demo --screenshot`` opens the demo offscreen; the picture must not be blank;
5. nothing was written into the install folder (made read-only first).

Then it reports the targets: cold start (launch to demo shown) <= 3 s, compressed size
<= 200 MB, and the newest glibc symbol version any bundled library needs (<= 2.34).
Exit status 1 when a check fails; a missed target is reported, and fails only with --strict.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD_START_TARGET_S = 3.0
SIZE_TARGET_MB = 200.0
GLIBC_TARGET = (2, 34)
#: pydicom-data files, one per decoder path (file name, what it exercises)
DICOM_SAMPLES = (
    ("color3d_jpeg_baseline.dcm", "JPEG Baseline, YBR_FULL_422, 120 frames (libjpeg-turbo)"),
    ("emri_small_RLE.dcm", "RLE Lossless, 10 frames (pylibjpeg-rle)"),
    ("US1_J2KR.dcm", "JPEG 2000 lossless, YBR_RCT (pylibjpeg-openjpeg)"),
    ("emri_small_jpeg_ls_lossless.dcm", "JPEG-LS lossless, 10 frames (pyjpegls)"),
    ("JPGLosslessP14SV1_1s_1f_8b.dcm", "JPEG lossless process 14 (python-gdcm)"),
    ("OBXXXX1A.dcm", "PALETTE COLOR (pydicom LUT)"),
)
#: output name -> extra export flags
EXPORTS = {
    "figure.png": [], "figure.jpg": [], "figure.tif": [], "figure.svg": [], "figure.pdf": [],
    "clip.mp4": ["--media", "m1"], "clip.gif": ["--media", "m1"], "slides.pptx": [],
    "report.html": [], "report.pdf": ["--report"], "sr.dcm": [], "sc.dcm": ["--secondary-capture"],
    "measurements.csv": [], "measurements.json": [],
}


class Check:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.targets: list[tuple[str, str, str, bool]] = []

    def ok(self, what: str, detail: str = "") -> None:
        print(f"  ok    {what}" + (f": {detail}" if detail else ""), flush=True)

    def fail(self, what: str, detail: str) -> None:
        self.failures.append(f"{what}: {detail}")
        print(f"  FAIL  {what}: {detail}", flush=True)

    def expect(self, condition: bool, what: str, detail: str = "") -> bool:
        (self.ok if condition else self.fail)(what, detail)
        return condition

    def target(self, name: str, measured: str, target: str, met: bool) -> None:
        self.targets.append((name, measured, target, met))


# -- the clean environment -------------------------------------------------------------------
class Bundle:
    def __init__(self, folder: Path, home: Path, tmp: Path) -> None:
        self.folder = folder
        # on Windows the windowed launcher has no stdout: the console one prints
        self.exe = folder / ("us-annotator-cli.exe" if os.name == "nt" else "us-annotator")
        self.env = {"HOME": str(home), "TMPDIR": str(tmp), "LANG": "C.UTF-8",
                    "QT_QPA_PLATFORM": "offscreen"}
        if os.name == "nt":  # what Windows needs to start a program, and its user folders
            self.env.update({k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR") if k in os.environ})
            self.env.update({"USERPROFILE": str(home), "APPDATA": str(home / "AppData" / "Roaming"),
                             "LOCALAPPDATA": str(home / "AppData" / "Local"), "TEMP": str(tmp),
                             "TMP": str(tmp)})

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.exe), *args], env=self.env, cwd=cwd or self.env["TMPDIR"],
                              capture_output=True, text=True, timeout=timeout)


def unpack(source: Path, archive: Path | None, into: Path) -> Path:
    if archive is not None:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="tar")
        return into / "us-annotator"
    shutil.copytree(source, into / "us-annotator", symlinks=True)
    return into / "us-annotator"


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in folder.rglob("*")}


def make_read_only(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


# -- references from the venv -----------------------------------------------------------------
def venv_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annotator", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def pydicom_data_folder() -> Path:
    from data_store import __file__ as data_store_init  # the pydicom-data package

    folder = Path(data_store_init).parent / "data"
    if not folder.is_dir():
        raise SystemExit(f"dist-check: pydicom-data has no data folder at {folder}")
    return folder


def write_mp4(path: Path) -> None:
    """A 64-frame 320x240 H.264 clip with moving content, so every frame differs."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        y, x = np.mgrid[0:240, 0:320]
        for i in range(64):
            grey = ((x + 3 * i) % 256 ^ (y // 8 * 8)).astype(np.uint8)
            rgb = np.stack([grey, np.roll(grey, i, axis=0), 255 - grey], axis=-1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


# -- the checks ----------------------------------------------------------------------------
def check_version(bundle: Bundle, check: Check) -> None:
    from annotator import __version__

    result = bundle.run("--version")
    lines = result.stdout.splitlines()
    check.expect(result.returncode == 0 and bool(lines) and lines[0].startswith(f"us-annotator {__version__} "),
                 "version", lines[0] if lines else result.stderr[-500:])
    missing = [name for name in ("pydicom", "pylibjpeg-openjpeg", "pylibjpeg-rle", "pyjpegls", "python-gdcm",
                                 "PyAV", "OpenCV", "PySide6")
               if not any(line.strip().startswith(name) and "not installed" not in line for line in lines)]
    check.expect(not missing, "decoder versions", "all listed" if not missing else f"missing: {missing}")


def check_pixels(bundle: Bundle, check: Check, work: Path) -> None:
    data = pydicom_data_folder()
    samples = [(data / name, what) for name, what in DICOM_SAMPLES]
    mp4 = work / "moving.mp4"
    write_mp4(mp4)
    samples.append((mp4, "H.264 MP4, 64 frames (PyAV)"))
    for path, what in samples:
        expected = venv_cli("info", str(path), "--json", "--frame-hashes")
        got = bundle.run("info", str(path), "--json", "--frame-hashes")
        if got.returncode != 0 or expected.returncode != 0:
            check.fail(f"info {path.name}", (got.stderr or expected.stderr).strip()[-500:])
            continue
        mine, theirs = json.loads(got.stdout), json.loads(expected.stdout)
        same = mine["frame_sha256"] == theirs["frame_sha256"] and mine["frames"] == theirs["frames"]
        check.expect(same and len(mine["frame_sha256"]) >= 1, f"pixels {path.name}",
                     f"{what}; {mine['frames']} frames, frames {sorted(mine['frame_sha256'], key=int)} identical "
                     "to the venv" if same else f"bundle {mine['frame_sha256']} != venv {theirs['frame_sha256']}")


def _read_dicom(path: Path) -> str:
    import pydicom

    ds = pydicom.dcmread(path)
    if "PixelData" in ds:
        ds.pixel_array  # noqa: B018 (decodes)
    tool = shutil.which("dciodvfy")
    errors: list[str] = []
    if tool:
        result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
        errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]
    if errors:
        raise ValueError("; ".join(errors[:3]))
    return f"{ds.SOPClassUID.name}" + (", dciodvfy clean" if tool else ", dciodvfy not installed")


def _read_image(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return f"{image.format} {image.size[0]}x{image.size[1]}"


def _read_video(path: Path) -> str:
    import av

    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    if frames < 2:
        raise ValueError(f"only {frames} frame(s)")
    return f"{frames} frames"


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    return f"{len(PdfReader(path).pages)} page(s)"


def _read_svg(path: Path) -> str:
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    if not root.tag.endswith("svg"):
        raise ValueError(f"root element {root.tag}")
    return "SVG XML"


def _read_pptx(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        slides = [n for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        if not slides or "ppt/notesMasters/notesMaster1.xml" not in archive.namelist():
            raise ValueError("no slides or no notes master (python-pptx templates)")
    return f"{len(slides)} slides with notes"


def _read_html(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if "<html" not in text.lower() or "data:image/" not in text:
        raise ValueError("not a self-contained HTML report")
    return f"{len(text) // 1024} KiB, images inline"


def _read_csv(path: Path) -> str:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows:
        raise ValueError("no rows")
    return f"{len(rows)} rows"


def _read_json(path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not data.get("measurements"):
        raise ValueError("no measurements")
    return f"{len(data['measurements'])} measurements"


#: extension -> (magic bytes at the start, reader)
READERS: dict[str, tuple[bytes, Callable[[Path], str]]] = {
    ".png": (b"\x89PNG\r\n\x1a\n", _read_image), ".jpg": (b"\xff\xd8\xff", _read_image),
    ".tif": (b"", _read_image), ".svg": (b"", _read_svg), ".pdf": (b"%PDF-", _read_pdf),
    ".mp4": (b"", _read_video), ".gif": (b"GIF8", _read_video), ".pptx": (b"PK\x03\x04", _read_pptx),
    ".html": (b"", _read_html), ".dcm": (b"", _read_dicom), ".csv": (b"", _read_csv),
    ".json": (b"{", _read_json),
}
SPECIAL_MAGIC = {".tif": (b"II*\x00", b"MM\x00*"), ".mp4": (b"ftyp",), ".dcm": (b"DICM",)}


def _magic_ok(path: Path) -> bool:
    head = path.read_bytes()[:256]
    suffix = path.suffix
    if suffix == ".mp4":
        return head[4:8] == b"ftyp"
    if suffix == ".dcm":
        return head[128:132] == b"DICM"
    if suffix == ".tif":
        return head[:4] in SPECIAL_MAGIC[".tif"]
    if suffix in (".svg", ".html"):
        return b"<" in head[:64]
    if suffix == ".csv":
        return head.lstrip(b"\xef\xbb\xbf")[:1].isalpha()
    return head.startswith(READERS[suffix][0])


def check_exports(bundle: Bundle, check: Check, work: Path) -> None:
    case_dir = work / "demo-case"
    shutil.copytree(ROOT / "resources" / "demo", case_dir)
    case = case_dir / "demo.uscase.json"
    out_dir = work / "exports"
    out_dir.mkdir()
    for name, flags in EXPORTS.items():
        out = out_dir / name
        started = time.perf_counter()
        result = bundle.run("export", str(case), str(out), *flags)
        took = time.perf_counter() - started
        if result.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            check.fail(f"export {name}", (result.stderr or "no file written").strip()[-600:])
            continue
        try:
            if not _magic_ok(out):
                raise ValueError(f"wrong magic bytes {out.read_bytes()[:12]!r}")
            detail = READERS[out.suffix][1](out)
        except Exception as exc:  # any reader error is a failed check, reported with its cause
            check.fail(f"export {name}", f"{type(exc).__name__}: {exc}")
            continue
        check.ok(f"export {name}", f"{out.stat().st_size // 1024} KiB, {detail}, {took:.1f} s")
    reference = work / "venv-measurements.csv"
    venv_cli("export", str(case), str(reference))
    produced = out_dir / "measurements.csv"
    if produced.is_file() and reference.is_file():
        check.expect(produced.read_bytes() == reference.read_bytes(), "measurements equal the venv's",
                     "CSV byte for byte")


def check_gui(bundle: Bundle, check: Check, work: Path, runs: int) -> list[float]:
    """Open the demo offscreen ``runs`` times; the first picture is checked; wall-clock times
    from launch to the demo shown are returned."""
    times: list[float] = []
    for n in range(runs):
        shot = work / f"screenshot-{n}.png"
        started = time.perf_counter()
        proc = subprocess.Popen([str(bundle.exe), "--demo", "--screenshot", str(shot)], env=bundle.env,
                                cwd=bundle.env["TMPDIR"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        shown = time.perf_counter() - started
        try:
            _out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
        try:
            report = json.loads(line)
        except json.JSONDecodeError:
            check.fail("demo window", f"no report (exit {proc.returncode}): {err.strip()[-800:]}")
            return times
        if "error" in report or proc.returncode != 0:
            check.fail("demo window", str(report.get("error")) + err.strip()[-400:])
            return times
        times.append(shown)
        if n == 0:
            check_screenshot(shot, report, check)
    return times


def check_screenshot(shot: Path, report: dict[str, object], check: Check) -> None:
    import numpy as np
    from PIL import Image

    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"))
    h, w = pixels.shape[:2]
    grey = pixels.mean(axis=2)
    colours = len(np.unique(pixels.reshape(-1, 3)[::7], axis=0))
    centre = grey[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    not_blank = w >= 640 and h >= 400 and grey.std() > 20 and colours > 200 and centre.std() > 15
    check.expect(not_blank, "demo window screenshot",
                 f"{w}x{h}, {colours} colours, grey std {grey.std():.0f} (centre {centre.std():.0f}); "
                 f"title {str(report.get('title'))[:50]!r}")


GLIBC = re.compile(rb"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?")


def glibc_needed(folder: Path) -> dict[str, tuple[int, ...]]:
    """The newest GLIBC_x.y symbol version each ELF file of the bundle names (relative path ->
    version), from the version strings in its dynamic section."""
    needs: dict[str, tuple[int, ...]] = {}
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
            data = f.read()
        versions = [tuple(int(x) for x in match if x) for match in set(GLIBC.findall(data))]
        needs[str(path.relative_to(folder))] = max(versions, default=(0,))
    return needs


def glibc_report(folder: Path, check: Check) -> None:
    needs = glibc_needed(folder)
    newest = max(needs.values(), default=(0,))
    over = sorted((v, name) for name, v in needs.items() if v[:2] > GLIBC_TARGET)
    text = ".".join(map(str, newest))
    detail = f"{text}; {len(needs)} ELF files"
    if over:
        names = ", ".join(f"{Path(n).name} ({'.'.join(map(str, v))})" for v, n in over[-6:])
        detail += f"; {len(over)} need more than {'.'.join(map(str, GLIBC_TARGET))}: {names}"
    check.target("glibc needed (newest GLIBC_ symbol version)", detail,
                 f"<= {'.'.join(map(str, GLIBC_TARGET))}", newest[:2] <= GLIBC_TARGET)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path, help="the one-folder app (dist/us-annotator)")
    parser.add_argument("--archive", type=Path, help="the packed bundle: unpacked and tested instead")
    parser.add_argument("--runs", type=int, default=3, help="demo launches to time (default 3)")
    parser.add_argument("--strict", action="store_true", help="a missed target fails too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    check = Check()
    archive = args.archive if args.archive and args.archive.is_file() else None
    work = Path(tempfile.mkdtemp(prefix="us-annotator-dist-check-"))
    try:
        print(f"dist-check in {work} ({'from ' + archive.name if archive else 'copy of ' + str(args.bundle)})")
        folder = unpack(args.bundle, archive, work / "install")
        home, tmp = work / "home", work / "tmp"
        home.mkdir()
        tmp.mkdir()
        make_read_only(folder)
        before = tree_state(folder)
        bundle = Bundle(folder, home, tmp)
        started = time.perf_counter()
        print("version")
        check_version(bundle, check)
        print("pixels: bundle vs venv")
        check_pixels(bundle, check, tmp)
        print("exports from the demo case")
        check_exports(bundle, check, tmp)
        print("the demo window, offscreen")
        times = check_gui(bundle, check, tmp, max(1, args.runs))
        print("install folder")
        after = tree_state(folder)
        changed = sorted(set(after) ^ set(before)) + sorted(k for k in before if k in after and before[k] != after[k])
        check.expect(not changed, "nothing written into the install folder",
                     "unchanged" if not changed else f"{changed[:5]}")
        user_files = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
        check.ok("user files went to HOME", ", ".join(user_files[:4]) + (" ..." if len(user_files) > 4 else ""))
        print(f"checks took {time.perf_counter() - started:.0f} s")

        if times:
            check.target("cold start, launch to the demo shown", f"{times[0]:.2f} s first, "
                         f"{statistics.median(times):.2f} s median of {len(times)}",
                         f"<= {COLD_START_TARGET_S:.0f} s", times[0] <= COLD_START_TARGET_S)
        if archive is not None:
            mb = archive.stat().st_size / 1e6
            check.target("compressed size", f"{mb:.1f} MB ({archive.name})", f"<= {SIZE_TARGET_MB:.0f} MB",
                         mb <= SIZE_TARGET_MB)
        unpacked = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
        print(f"unpacked size {unpacked / 1e6:.0f} MB")
        if sys.platform == "linux":
            glibc_report(folder, check)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            for p in work.rglob("*"):  # make_read_only left the copy unremovable for non-root users
                if p.is_dir() and not p.is_symlink():
                    p.chmod(p.stat().st_mode | stat.S_IWUSR)
            shutil.rmtree(work, ignore_errors=True)
    print("\ntargets")
    for name, measured, target, met in check.targets:
        print(f"  {'met ' if met else 'MISS'}  {name}: {measured} (target {target})")
    missed = [t for t in check.targets if not t[3]]
    if check.failures:
        print(f"\ndist-check FAILED: {len(check.failures)} check(s)")
        return 1
    if missed and args.strict:
        print(f"\ndist-check: {len(missed)} target(s) missed (--strict)")
        return 1
    print("\ndist-check passed" + (f" ({len(missed)} target(s) missed, see above)" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
