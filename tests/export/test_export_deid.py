"""No identifier of the source in any output: not in the bytes, not in compressed streams or
zipped parts, not in metadata; and no burned-in header text in any output's pixels."""

from __future__ import annotations

import base64
import io
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pydicom
import pypdf
import pytest
from export_data import SEARCHED, ExportCase, export_all, red_pixels, run_cli
from PIL import Image
from PySide6.QtWidgets import QApplication

#: a few anti-aliased pixels of a red-ish overlay edge are not text; the header has hundreds
MAX_RED = 12


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportCase, dict[str, Path]]:
    _app = QApplication.instance() or QApplication([])
    return export_all(tmp_path_factory.mktemp("export-all"))


# -- every byte an output holds, unpacked -----------------------------------------------------------
def _pdf_streams(data: bytes) -> Iterator[bytes]:
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            yield match.group(1)


def _png_chunks(data: bytes) -> Iterator[bytes]:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"):
            yield kind + body
            if kind == b"zTXt":
                yield zlib.decompress(body.split(b"\0", 1)[1][1:])
        pos += 12 + length


def unpacked(data: bytes) -> Iterator[bytes]:
    yield data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                yield name.encode()
                yield from unpacked(z.read(name))
    elif data[:5] == b"%PDF-":
        yield from _pdf_streams(data)
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        yield from _png_chunks(data)


def text_forms(path: Path) -> str:
    parts = []
    for blob in unpacked(path.read_bytes()):
        parts.append(blob.decode("latin-1"))
        parts.append(blob.decode("utf-16-le", errors="ignore"))
    if path.suffix == ".dcm":
        parts.append(str(pydicom.dcmread(path)))
    if path.suffix == ".pdf":
        reader = pypdf.PdfReader(path)
        parts.append(str(reader.metadata))
        parts += [page.extract_text() for page in reader.pages]
    return "\n".join(parts).lower()


def test_no_source_identifier_in_any_output(outputs: tuple[ExportCase, dict[str, Path]]) -> None:
    found = {}
    for key, path in outputs[1].items():
        text = text_forms(path)
        hits = [s for s in SEARCHED if s.lower() in text]
        if hits:
            found[key] = hits
    assert not found, f"identifiers leaked: {found}"


def test_the_search_would_find_them_with_keep_identifiers(outputs: tuple[ExportCase, dict[str, Path]], tmp_path: Path) -> None:
    """The control: the same exports keeping identifiers do contain them."""
    case = outputs[0]
    for name, flags in (("kept.dcm", []), ("kept.json", []), ("kept.pdf", ["--report"])):
        assert run_cli(str(case.case_path), str(tmp_path / name), "--keep-identifiers", *flags) == 0
    assert "johnathan" in text_forms(tmp_path / "kept.dcm")
    assert "secret_patient_file" in text_forms(tmp_path / "kept.json")
    assert "johnathan" in text_forms(tmp_path / "kept.pdf")  # the case title names the patient


def test_dicom_outputs_follow_the_basic_profile(outputs: tuple[ExportCase, dict[str, Path]]) -> None:
    for key in ("sr", "sc"):
        ds = pydicom.dcmread(outputs[1][key])
        assert ds.PatientIdentityRemoved == "YES"
        assert "113100" in [c.CodeValue for c in ds.DeidentificationMethodCodeSequence]
        assert ds.get("PatientBirthDate", "") == "" and ds.get("StudyDate", "") == ""
        assert "InstitutionName" not in ds and "OperatorsName" not in ds
        assert not any(elem.tag.is_private for elem in ds)


# -- pixels --------------------------------------------------------------------------------------
def _images(path: Path) -> Iterator[np.ndarray]:
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".png", ".tif", ".jpg"):
        yield np.asarray(Image.open(path).convert("RGB"))
    elif suffix == ".dcm":
        ds = pydicom.dcmread(path)
        if "PixelData" in ds:
            yield ds.pixel_array
    elif suffix in (".mp4", ".gif"):
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
    elif suffix in (".html", ".svg"):
        for b64 in re.findall(rb"data:image/png;base64,([A-Za-z0-9+/=\s]+)", data):
            yield np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"))
    elif suffix == ".pdf":
        for page in pypdf.PdfReader(path).pages:
            for image in page.images:
                yield np.asarray(image.image.convert("RGB"))
    elif suffix == ".pptx":
        with zipfile.ZipFile(path) as z, tempfile.TemporaryDirectory() as tmp:
            for name in z.namelist():
                if name.endswith((".png", ".mp4")):
                    extracted = Path(z.extract(name, tmp))
                    yield from _images(extracted)


def test_no_burned_in_header_text_in_any_output_pixels(outputs: tuple[ExportCase, dict[str, Path]]) -> None:
    seen = {}
    for key, path in outputs[1].items():
        counts = [red_pixels(image) for image in _images(path)]
        if key not in ("csv", "json", "sr"):
            assert counts, f"no pixels found in {key}"
        seen[key] = max(counts, default=0)
    assert all(v <= MAX_RED for v in seen.values()), seen


def test_the_header_text_is_there_when_identifiers_are_kept(outputs: tuple[ExportCase, dict[str, Path]], tmp_path: Path) -> None:
    case = outputs[0]
    out = tmp_path / "full.png"
    assert run_cli(str(case.case_path), str(out), "--keep-identifiers", "--media", "m1", "--frame", "2") == 0
    assert red_pixels(np.asarray(Image.open(out).convert("RGB"))) > 100
    clip = tmp_path / "full.mp4"
    assert run_cli(str(case.case_path), str(clip), "--keep-identifiers", "--media", "m2") == 0
    assert max(red_pixels(f) for f in _images(clip)) > 100
