"""Compressed frames decoded so that no native decoder can take the process down.

python-gdcm aborts the whole process (SIGABRT from an uncaught C++ exception) on codestreams
that disagree with the data set or are slightly corrupt. So:

- a JPEG 2000 codestream's SIZ marker (size, components, precision) is checked against the
  data set before any decoder sees it;
- decoders that raise Python errors (pylibjpeg-openjpeg, pyjpegls, pillow, pydicom's RLE) are
  used in this process, never gdcm;
- what only gdcm can decode (JPEG Lossless, 12-bit JPEG) is decoded in a separate worker
  process: if gdcm aborts there, the frame is reported as undecodable and
  the worker is replaced.
"""

from __future__ import annotations

import struct
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from pydicom import uid
from pydicom.encaps import encapsulate
from pydicom.pixels import get_decoder

from annotator.media.dicom_header import PixelLayout

_J2K_SYNTAXES = frozenset({uid.JPEG2000, uid.JPEG2000Lossless, uid.HTJ2K, uid.HTJ2KLossless, uid.HTJ2KLosslessRPCL})
_UNSAFE_PLUGINS = frozenset({"gdcm"})
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
# What only gdcm decodes here (pillow reads 8-bit JPEG only). Elsewhere gdcm wraps the same
# libraries (libjpeg, CharLS, OpenJPEG) as the safe plugins, so it is not tried after them.
_GDCM_ONLY = frozenset({uid.JPEGLossless, uid.JPEGLosslessSV1, uid.JPEGExtended12Bit})
#: the reference decoders first (openjpeg, CharLS, pydicom's RLE); pillow as a last resort
_PREFERRED = ("pylibjpeg", "pyjpegls", "pydicom", "pillow")
_WORKER_TIMEOUT_S = 60.0


class FrameDecodeError(Exception):
    """A frame that no decoder accepted, or that disagrees with its header (one line)."""


def j2k_header_problem(data: bytes, layout: PixelLayout) -> str | None:
    """Why a JPEG 2000 codestream disagrees with the data set, or None when its SIZ agrees."""
    start = _codestream_start(data)
    if start is None or data[start:start + 4] != b"\xff\x4f\xff\x51":  # SOC then SIZ
        return "not a JPEG 2000 codestream (no SOC/SIZ marker)"
    siz = data[start + 4:]
    if len(siz) < 38:
        return "the JPEG 2000 header is truncated"
    lsiz = struct.unpack(">H", siz[0:2])[0]
    xsiz, ysiz, xo, yo = struct.unpack(">IIII", siz[4:20])
    csiz = struct.unpack(">H", siz[36:38])[0]
    if lsiz != 38 + 3 * csiz or len(siz) < lsiz:
        return f"the JPEG 2000 SIZ marker is corrupt (length {lsiz} for {csiz} components)"
    width, height = xsiz - xo, ysiz - yo
    if (width, height) != (layout.columns, layout.rows):
        return f"the JPEG 2000 codestream is {width} x {height} pixels but the header says {layout.columns} x {layout.rows}"
    if csiz != layout.samples_per_pixel:
        return f"the JPEG 2000 codestream has {csiz} components but the header says {layout.samples_per_pixel} samples per pixel"
    for k in range(csiz):
        precision = (siz[38 + 3 * k] & 0x7F) + 1
        if precision > layout.bits_allocated:
            return f"the JPEG 2000 codestream has {precision}-bit samples but the header allocates {layout.bits_allocated} bits"
    return None


def _codestream_start(data: bytes) -> int | None:
    """Where the codestream begins: at 0, or inside a JP2 file's ``jp2c`` box (GDCM writes
    the JP2 wrapper, whose header and uuid boxes can take kilobytes before it)."""
    if not data.startswith(_JP2_SIGNATURE):
        found = data.find(b"\xff\x4f\xff\x51", 0, 64)  # a few stray bytes before SOC are tolerated
        return found if found >= 0 else None
    pos = 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if length == 1:  # a 64-bit length follows
            if pos + 16 > len(data):
                return None
            length, header = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        if kind == b"jp2c":
            return pos + header
        if length < header:  # 0 (runs to the end) on any box but jp2c, or corrupt
            return None
        pos += length
    return None


def decode_compressed(data: bytes, layout: PixelLayout, lock: threading.Lock) -> np.ndarray:
    """Values of one compressed frame, by a decoder that raises (or gdcm out of process)."""
    ts = layout.transfer_syntax
    if ts in _J2K_SYNTAXES:
        problem = j2k_header_problem(data, layout)
        if problem:
            raise FrameDecodeError(problem)
    decoder = get_decoder(ts)
    # pillow reads 8-bit JPEG only: a 12-bit frame goes straight to gdcm (its refusal only
    # cluttered every message with "Pillow does not support ... 12-bit precision")
    unable = {"pillow"} if _jpeg_12bit(ts, layout.bits_stored) else set()
    safe = sorted((name for name in decoder.available_plugins if name not in _UNSAFE_PLUGINS | unable),
                  key=lambda name: _PREFERRED.index(name) if name in _PREFERRED else len(_PREFERRED))
    failures: list[str] = []
    options = layout.decoder_options(1)
    for plugin in safe:
        try:
            with lock:
                values, _ = decoder.as_array(encapsulate([data]), index=0, raw=False,
                                             decoding_plugin=plugin, **options)
            return values
        except Exception as exc:
            failures.append(f"{plugin}: {_first_line(exc)}")
    if "gdcm" in decoder.available_plugins and (ts in _GDCM_ONLY or not safe):
        try:
            return _decode_out_of_process(data, ts, options)
        except FrameDecodeError as exc:
            failures.append(f"gdcm: {exc}")
    if not failures:
        raise FrameDecodeError(f"no safe decoder is installed for {ts.name}")
    raise FrameDecodeError("; ".join(failures))


def _first_line(exc: BaseException) -> str:
    """One line; pydicom lists each plugin's failure under a heading ending in ':'."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {'; '.join(lines[1:3])}"
    return lines[0]


# -- gdcm in a worker process ------------------------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _exit_with_parent() -> None:
    """Worker initializer: exit as soon as the parent process is gone (killed, os._exit), so no
    decoder process outlives the app or the command that started it."""
    import multiprocessing
    import os
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _jpeg_12bit(ts: str, bits_stored: int) -> bool:
    """JPEG Extended with more than 8 bits: pydicom hands it to no plugin but the GPL libjpeg."""
    return ts == uid.JPEGExtended12Bit and bits_stored > 8


def _worker_decode(data: bytes, ts: str, options: dict[str, Any]) -> np.ndarray:
    if _jpeg_12bit(ts, options["bits_stored"]) and options["samples_per_pixel"] == 1:
        return _gdcm_jpeg_12bit(data, options)
    decoder = get_decoder(uid.UID(ts))
    values, _ = decoder.as_array(encapsulate([data]), index=0, raw=False, decoding_plugin="gdcm", **options)
    return np.ascontiguousarray(values)


def _gdcm_jpeg_12bit(data: bytes, options: dict[str, Any]) -> np.ndarray:
    """A 12-bit JPEG Extended (process 4) grey frame, straight through gdcm. pydicom refuses
    to hand these to gdcm ("GDCM does not support 'JPEG Extended' for samples with 12-bit
    precision"), yet gdcm's bundled 12-bit IJG decoder reads them: pydicom's JPGExtended.dcm
    comes out within one grey level of pylibjpeg-libjpeg's decode (3,612 of 262,144 pixels
    differ by 1: lossy decoders round their inverse DCT differently). The only other decoder
    of them, pylibjpeg-libjpeg, is GPL (docs/adr/0001)."""
    import gdcm

    rows, columns = int(options["rows"]), int(options["columns"])
    bits = int(options["bits_stored"])
    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(data)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())
    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((columns, rows, 1))
    image.SetDataElement(element)
    kind = gdcm.PhotometricInterpretation.GetPIType(str(options["photometric_interpretation"]))
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(kind))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGExtendedProcess2_4))
    signed = int(options["pixel_representation"]) == 1
    image.SetPixelFormat(gdcm.PixelFormat(1, 16, bits, bits - 1, int(signed)))
    text = image.GetBuffer()  # char* as str; None where the codestream did not decode
    if text is None:
        raise FrameDecodeError("the 12-bit JPEG data is corrupt or truncated")
    buffer = text.encode("utf-8", "surrogateescape")
    if len(buffer) != rows * columns * 2:
        raise FrameDecodeError(f"the 12-bit JPEG frame decoded to {len(buffer)} bytes, not {rows * columns * 2}")
    return np.frombuffer(buffer, np.int16 if signed else np.uint16).reshape(rows, columns).copy()


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            import multiprocessing

            # spawn: a fresh interpreter, never a fork of a process holding Qt or decoder threads
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_exit_with_parent)
        return _pool


def _discard_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _decode_out_of_process(data: bytes, ts: uid.UID, options: dict[str, Any]) -> np.ndarray:
    pool = _get_pool()
    try:
        future = pool.submit(_worker_decode, data, str(ts), options)
        return future.result(timeout=_WORKER_TIMEOUT_S)
    except BrokenProcessPool:
        _discard_pool(pool)
        raise FrameDecodeError("the decoder crashed on this frame (corrupt or inconsistent data)") from None
    except TimeoutError:
        _discard_pool(pool)
        raise FrameDecodeError("the decoder took too long on this frame") from None
    except Exception as exc:
        raise FrameDecodeError(_first_line(exc)) from None


def shutdown_worker() -> None:
    """Stop the gdcm worker process (at exit; a new one starts when next needed)."""
    with _pool_lock:
        pool = _pool
    if pool is not None:
        _discard_pool(pool)
