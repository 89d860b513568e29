"""A hostile corpus made at test time from real DICOM files: truncations, flipped bytes in the
header, the pixels and the fragments, broken JPEG 2000 headers, huge or inconsistent
dimensions, unknown transfer syntaxes, bad palettes and deflate bombs."""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
PYDICOM_DATA = ["US1_J2KR.dcm", "US1_J2KI.dcm", "US1_UNCR.dcm", "SC_rgb_jpeg_dcmtk.dcm", "JPEG2000.dcm",
                "JPGLosslessP14SV1_1s_1f_8b.dcm", "SC_rgb_rle_2frame.dcm", "image_dfl.dcm",
                "JPEGLSNearLossless_16.dcm", "color3d_jpeg_baseline.dcm"]
CORPUS_FILES = ["orthanc-tests/jp2k91YBR-ICT.dcm", "orthanc-tests/TS_1.2.840.10008.1.2.4.50.dcm",
                "orthanc-tests/Implicit-vr-us-palette.dcm", "orthanc-tests/2023-04-21-RLEPlanarConfigurationYBR_FULL.dcm",
                "wearemothership-dicom-test-files/US1_RLE.dcm", "wearemothership-dicom-test-files/US-PAL-8-10x-echo.dcm"]


def source_files() -> list[Path]:
    from pydicom.data import get_testdata_file

    found = []
    for name in PYDICOM_DATA:
        try:
            p = get_testdata_file(name)
        except Exception:
            p = None
        if p:
            found.append(Path(str(p)))
    found += [CORPUS / n for n in CORPUS_FILES if (CORPUS / n).is_file()]
    return found


def _pixel_offset(data: bytes) -> int:
    i = data.rfind(b"\xe0\x7f\x10\x00")
    return i if i > 0 else len(data) // 2


def byte_mutations(name: str, data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    n = len(data)
    for frac in (0.05, 0.5, 0.9, 0.999):
        yield f"{name}.trunc{frac}", data[: max(1, int(n * frac))]
    yield f"{name}.trunc-header", data[:200]
    px = _pixel_offset(data)
    for i in range(3):  # flipped bytes in the header (tag lengths, VRs, values)
        b = bytearray(data)
        for _ in range(3):
            k = rng.randrange(132, max(133, min(px, n)))
            b[k] ^= 1 << rng.randrange(8)
        yield f"{name}.hdr{i}", bytes(b)
    for i in range(2):  # flipped bytes in the pixel data
        b = bytearray(data)
        for _ in range(20):
            k = rng.randrange(px, n)
            b[k] = rng.randrange(256)
        yield f"{name}.px{i}", bytes(b)
    item = data.find(b"\xfe\xff\x00\xe0", px)
    if item > 0:  # a fragment (item) length that lies
        for j, length in enumerate((0xFFFFFFF0, 7, 0)):
            b = bytearray(data)
            idx = data.find(b"\xfe\xff\x00\xe0", item + 8) if j else item
            if idx > 0:
                b[idx + 4 : idx + 8] = struct.pack("<I", length)
                yield f"{name}.frag{j}", bytes(b)
    soc = data.find(b"\xff\x4f\xff\x51")
    if soc > 0:  # a JPEG 2000 codestream: its SIZ marker lies about components, size, precision
        siz = soc + 4  # Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz (4 each) Csiz(2)
        for label, off, value in (("csiz", 2 + 2 + 32, struct.pack(">H", 3)), ("csiz1", 36, struct.pack(">H", 1)),
                                  ("xsiz", 4, struct.pack(">I", 0xFFFF)), ("prec", 38, b"\x1f")):
            b = bytearray(data)
            b[siz + off : siz + off + len(value)] = value
            yield f"{name}.j2k-{label}", bytes(b)
        for i in range(2):
            b = bytearray(data)
            for _ in range(4):
                k = rng.randrange(soc + 40, min(n, soc + 400))
                b[k] = rng.randrange(256)
            yield f"{name}.j2k-body{i}", bytes(b)


def dataset_mutations(name: str, src: Path) -> Iterator[tuple[str, pydicom.Dataset]]:
    def fresh() -> pydicom.Dataset:
        return pydicom.dcmread(src, force=True)

    for label, changes in (
        ("rows65535", {"Rows": 65535, "Columns": 65535}),
        ("frames2e9", {"NumberOfFrames": "2000000000"}),
        ("spp-swap", {"SamplesPerPixel": 3, "PhotometricInterpretation": "RGB"}),
        ("spp1", {"SamplesPerPixel": 1, "PhotometricInterpretation": "MONOCHROME2"}),
        ("bits32", {"BitsAllocated": 32, "BitsStored": 32, "HighBit": 31}),
        ("bits1", {"BitsAllocated": 1, "BitsStored": 1, "HighBit": 0}),
        ("palette", {"PhotometricInterpretation": "PALETTE COLOR"}),
        ("ybr422", {"PhotometricInterpretation": "YBR_FULL_422"}),
        ("rows0", {"Rows": 0}),
    ):
        try:
            ds = fresh()
            for k, v in changes.items():
                setattr(ds, k, v)
            if label == "palette":  # a palette table that lies about its length
                ds.RedPaletteColorLookupTableDescriptor = [256, 0, 16]
                ds.RedPaletteColorLookupTableData = b"\x00\x01\x02"
            yield f"{name}.{label}", ds
        except Exception:
            continue
    try:
        ds = fresh()
        ds.file_meta.TransferSyntaxUID = "1.2.3.4.5.6"
        yield f"{name}.unknown-ts", ds
    except Exception:
        pass


def deflate_bomb(megabytes: int = 600) -> bytes:
    """A small deflated DICOM whose data set inflates to ``megabytes`` of zeros."""
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.Modality = "US"
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 16, 16, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    from io import BytesIO

    ds.PixelData = b"\0" * 256
    buf = BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    plain = buf.getvalue()
    # rebuild: meta (explicit) + deflated body with a huge private element of zeros
    meta, body = _split_meta(plain)
    huge = b"\x09\x00\x10\x10OB\x00\x00" + struct.pack("<I", megabytes * 1024 * 1024)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = comp.compress(huge)
    zeros = b"\0" * (1024 * 1024)
    for _ in range(megabytes):
        out += comp.compress(zeros)
    out += comp.compress(body) + comp.flush()
    return _fix_meta_ts(meta) + out


def _split_meta(plain: bytes) -> tuple[bytes, bytes]:
    ds = pydicom.dcmread(__import__("io").BytesIO(plain))
    group_len = int(ds.file_meta.FileMetaInformationGroupLength)
    end = 132 + 12 + group_len
    return plain[:end], plain[end:]


def _fix_meta_ts(meta: bytes) -> bytes:
    old = ExplicitVRLittleEndian.encode()
    i = meta.find(old)
    new = DeflatedExplicitVRLittleEndian.encode()
    # both UIDs padded to an even length; the lengths differ, so rewrite the element and group length
    elem_start = i - 8
    new_val = new + (b"\0" if len(new) % 2 else b"")
    rebuilt = meta[:elem_start] + b"\x02\x00\x10\x00UI" + struct.pack("<H", len(new_val)) + new_val
    rebuilt += meta[i + len(old) + (1 if len(old) % 2 else 0):]
    group_len = len(rebuilt) - (132 + 12)
    return rebuilt[:140] + struct.pack("<I", group_len) + rebuilt[144:]


def write_corpus(folder: Path, seed: int = 10) -> list[Path]:
    """Write every mutation into ``folder``; return their paths."""
    rng = random.Random(seed)
    paths: list[Path] = []
    for src in source_files():
        data = src.read_bytes()
        for label, blob in byte_mutations(src.stem, data, rng):
            p = folder / f"{label}.dcm"
            p.write_bytes(blob)
            paths.append(p)
        for label, ds in dataset_mutations(src.stem, src):
            p = folder / f"{label}.dcm"
            try:
                ds.save_as(p)
            except Exception:
                continue
            paths.append(p)
    bomb = folder / "deflate-bomb.dcm"
    bomb.write_bytes(deflate_bomb())
    paths.append(bomb)
    return paths
