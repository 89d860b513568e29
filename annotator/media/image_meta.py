"""Metadata of still images (PNG text, JPEG/GIF comments, EXIF and TIFF tags, XMP).

Free text in image files is where scanners, phones and office software put names, clinics,
dates and places, so every text field is flagged as an identifier unless it is known to
describe only the device or the software.
"""

from __future__ import annotations

from PIL import ExifTags, Image

from annotator.media.base import MediaMetadata

#: EXIF/TIFF text tags that name the device or the software, never the patient
TECHNICAL_EXIF = frozenset({"Make", "Model", "Software", "LensMake", "LensModel"})
#: PNG text keywords that describe the software only
TECHNICAL_PNG_TEXT = frozenset({"Software"})
#: pointers to the EXIF sub-directories worth reading
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAX_VALUE_CHARS = 500


def image_metadata(img: Image.Image, frames: int) -> MediaMetadata:
    meta = MediaMetadata()
    meta.add("format", "Format", img.format_description or img.format)
    meta.add("mode", "Pixel mode", img.mode)
    meta.add("size", "Stored size", f"{img.width} x {img.height}")
    if frames > 1:
        meta.add("frames", "Frames", frames)
    dpi = img.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        meta.add("dpi", "Resolution (dpi)", f"{float(dpi[0]):.1f} x {float(dpi[1]):.1f}")
    compression = img.info.get("compression")
    if isinstance(compression, str):
        meta.add("compression", "Compression", compression)
    if img.info.get("icc_profile"):
        meta.add("icc_profile", "Colour profile", "embedded ICC profile")
    comment = img.info.get("comment")
    if comment:
        meta.add("comment", "Comment", _text(comment), identifier=True)
    _png_text(img, meta)
    _exif(img, meta)
    xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if xmp:
        meta.add("xmp", "XMP packet", f"{len(xmp)} bytes (may hold names and dates)", identifier=True)
    return meta


def _png_text(img: Image.Image, meta: MediaMetadata) -> None:
    texts = getattr(img, "text", None)  # PNG tEXt/zTXt/iTXt chunks
    if not isinstance(texts, dict):
        return
    for key, value in texts.items():
        if key == "XML:com.adobe.xmp":
            continue  # reported as XMP
        meta.add(f"png_text.{key}", key, _text(value), identifier=key not in TECHNICAL_PNG_TEXT)


def _exif(img: Image.Image, meta: MediaMetadata) -> None:
    try:
        exif = img.getexif()
    except (OSError, ValueError, SyntaxError):
        meta.add("exif", "EXIF", "present but unreadable", identifier=True)
        return
    tags: dict[int, object] = dict(exif)
    try:
        tags.update(exif.get_ifd(EXIF_IFD))
        gps = exif.get_ifd(GPS_IFD)
    except (OSError, ValueError, SyntaxError, KeyError):
        gps = {}
    for tag, value in sorted(tags.items()):
        name = ExifTags.TAGS.get(tag)
        if name is None or not isinstance(value, (str, bytes)) or name in ("ExifVersion", "FlashPixVersion"):
            continue  # numbers and unknown binary blobs identify nobody
        text = _text(value)
        if name == "UserComment":
            text = _user_comment(value)
        meta.add(f"exif.{name}", _label(name), text, identifier=name not in TECHNICAL_EXIF)
    if gps:
        meta.add("exif.GPSInfo", "GPS position", "present", identifier=True)


def _user_comment(value: object) -> str:
    # EXIF UserComment starts with an 8-byte character-code header.
    if isinstance(value, bytes) and len(value) >= 8:
        code, body = value[:8], value[8:]
        encoding = "utf-16" if code.startswith(b"UNICODE") else "latin-1"
        return body.decode(encoding, errors="replace").strip("\x00 ")[:MAX_VALUE_CHARS]
    return _text(value)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        # XP* tags are UTF-16LE; the rest are ASCII or Latin-1 in practice.
        text = value.decode("utf-16-le", errors="replace") if value[1:2] == b"\x00" else value.decode("latin-1")
    else:
        text = str(value)
    return text.replace("\x00", "").strip()[:MAX_VALUE_CHARS]


def _label(name: str) -> str:
    """'DateTimeOriginal' -> 'Date time original'."""
    words: list[str] = []
    for ch in name:
        if ch.isupper() and words and not words[-1][-1:].isupper():
            words.append(ch)
        elif words:
            words[-1] += ch
        else:
            words.append(ch)
    return " ".join(w if w.isupper() else w.lower() for w in words).capitalize()
