"""``us-annotator info FILE [--json]``: what a media file holds (frames, timing, calibration, metadata)."""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from typing import Any

import numpy as np

from annotator.cli import CliError
from annotator.media.base import Media


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "info",
        help="describe a DICOM file, clip or still: frames, size, timing, calibration, metadata",
        description=(
            "Describe a media file. By default a readable summary; --json prints one object "
            'with "kind" (dicom, video or image), "frames", "width", "height", "fps" (null for '
            'a still), "frame_times_ms" (duration, frame time, timing source), "regions" (the '
            'spatially calibrated regions: x0, y0, x1, y1, mm_per_px_x, mm_per_px_y, source), '
            '"other_regions" (Doppler, M-mode, ECG...), "transfer_syntax", "photometric" and '
            '"metadata" (identifiers flagged). The first and last frames are decoded to check '
            "the pixel data unless --no-check is given. Exit status 2 when the file cannot be read."
        ),
    )
    p.add_argument("file", help="a DICOM file, a clip (MP4, MOV, AVI, MKV, WebM, GIF) or a still")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--hide-identifiers", action="store_true",
        help="leave out the values of patient identifiers, dates, people, institutions and UIDs",
    )
    p.add_argument("--no-check", action="store_true", help="read headers only; decode no frame")
    p.add_argument(
        "--frame-hashes", action="store_true",
        help='add "frame_sha256": the SHA-256 of each checked frame\'s decoded pixels (shape, '
             "type and values), to compare decoders across installs",
    )


def run(args: argparse.Namespace) -> int:
    # Library warnings (odd header values) are reported in the output, not as stray stderr lines.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = _describe(args)
    notes = list(dict.fromkeys(str(w.message).splitlines()[0] for w in caught if str(w.message).strip()))
    notes += info.pop("_notes", [])
    replaced = _nulls_for_non_finite(info, "")
    notes += [f"{where}: not a finite number; given as null" for where in replaced]
    info["warnings"] = notes
    if args.json:
        print(json.dumps(info, indent=2, allow_nan=False))
    else:
        print(format_info(info))
    return 0


def _describe(args: argparse.Namespace) -> dict[str, Any]:
    from annotator.media import MediaError, open_media

    try:
        media = open_media(args.file)
    except MediaError as exc:
        raise CliError(str(exc)) from None
    try:
        checked = [] if args.no_check else sorted({0, media.frame_count - 1})
        hashes = {str(index): pixel_hash(media.frame(index)) for index in checked}
        info = media_info(media, hide_identifiers=args.hide_identifiers)
        info["checked_frames"] = checked
        info["_notes"] = list(media.open_warnings) + _implausible_regions(media)
        if getattr(args, "frame_hashes", False):
            info["frame_sha256"] = hashes
        return info
    except MediaError as exc:
        raise CliError(str(exc)) from None
    except (OSError, IndexError, ValueError) as exc:
        raise CliError(f"{args.file}: {exc}") from None
    finally:
        media.close()


def _implausible_regions(media: Media) -> list[str]:
    """Regions in cm whose pixel size is unusable (corrupt header): listed, never used."""
    from annotator.media.calibration import UNIT_CM

    return [
        f"ultrasound region {i + 1}: pixel size {r.delta_x:.3g} x {r.delta_y:.3g} cm is not plausible; it gives no lengths"
        for i, r in enumerate(media.calibration.regions)
        if r.units_x == UNIT_CM and r.units_y == UNIT_CM and not r.is_spatial and (r.delta_x or r.delta_y)
    ]


def _nulls_for_non_finite(value: Any, where: str) -> list[str]:
    """Replace inf and NaN (not valid JSON) by None in place; the JSON paths replaced."""
    found: list[str] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in list(items):
        path = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
        if isinstance(item, float) and not np.isfinite(item):
            value[key] = None
            found.append(path.lstrip("."))
        elif isinstance(item, (dict, list)):
            found += _nulls_for_non_finite(item, path)
    return found


def pixel_hash(pixels: np.ndarray) -> str:
    """SHA-256 of a decoded frame: its shape and type, then its values in C order."""
    array = np.ascontiguousarray(pixels)
    digest = hashlib.sha256(f"{array.shape}{array.dtype.str}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def _finite(value: float | None) -> float | None:
    return value if value is not None and np.isfinite(value) else None


def timing_summary(media: Media) -> dict[str, Any]:
    times = np.asarray(media.frame_times_ms, dtype=np.float64)
    steps = np.diff(times)
    summary: dict[str, Any] = {
        "duration_ms": _finite(float(media.duration_ms)),
        "frame_time_ms": _finite(float(np.median(steps))) if len(steps) else None,
        "min_step_ms": _finite(float(steps.min())) if len(steps) else None,
        "max_step_ms": _finite(float(steps.max())) if len(steps) else None,
        "variable": bool(len(steps) and float(steps.max() - steps.min()) > 0.01 * max(float(np.median(steps)), 1e-9)),
        "source": getattr(media, "timing_source", None),
    }
    return summary


def media_info(media: Media, hide_identifiers: bool = False) -> dict[str, Any]:
    """The ``info --json`` object of an opened media."""
    calibration = media.calibration
    metadata = media.metadata.to_json()
    if hide_identifiers:
        for item in metadata.values():
            if item["identifier"]:
                item["value"] = None
    fps = media.fps
    return {
        "file": str(media.path),
        "kind": media.kind,
        "frames": int(media.frame_count),
        "width": int(media.width),
        "height": int(media.height),
        "fps": _finite(float(fps)) if fps is not None else None,
        "frame_times_ms": timing_summary(media),
        "regions": [r.to_json() for r in calibration.spatial_regions],
        "other_regions": [r.to_json_other() for r in calibration.other_regions],
        "calibration_source": calibration.source,
        "per_frame_calibration": bool(getattr(media, "has_per_frame_calibration", False)),
        "transfer_syntax": getattr(media, "transfer_syntax", None),
        "transfer_syntax_name": getattr(media, "transfer_syntax_name", None),
        "photometric": getattr(media, "photometric", None),
        "display": getattr(media, "display_mapping", None) or None,
        "metadata": metadata,
    }


def _mm(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else "?"


def format_info(info: dict[str, Any]) -> str:
    """The readable summary printed without --json."""
    kind = {"dicom": "DICOM", "video": "video", "image": "image"}.get(info["kind"], info["kind"])
    frames = info["frames"]
    lines = [
        f"file:         {info['file']}",
        f"kind:         {kind}, {frames} frame{'s' if frames != 1 else ''}, {info['width']} x {info['height']} px",
    ]
    timing = info["frame_times_ms"]
    if info["fps"] is not None and "assumed" in str(timing.get("source")):
        lines.append(f"timing:       {timing['source']}; plays at {info['fps']:.2f} fps")
    elif info["fps"] is not None:
        lines.append(
            f"timing:       {info['fps']:.2f} fps, frame time {timing['frame_time_ms']:.2f} ms"
            f"{' (variable)' if timing['variable'] else ''}, duration {timing['duration_ms']:.0f} ms"
            + (f" (from {timing['source']})" if timing.get("source") else "")
        )
    elif frames > 1:
        lines.append(f"timing:       unknown ({timing.get('source') or 'no frame times'})")
    if info["transfer_syntax"]:
        lines.append(f"encoding:     {info['transfer_syntax_name']}, {info['photometric']}")
    if info.get("display"):
        lines.append(f"display:      {info['display']}")
    regions, others = info["regions"], info["other_regions"]
    if regions:
        lines.append(f"calibration:  {len(regions)} spatial region{'s' if len(regions) > 1 else ''} ({info['calibration_source']})"
                     + (", varies per frame" if info["per_frame_calibration"] else ""))
        for n, r in enumerate(regions, 1):
            lines.append(
                f"  region {n}: x {r['x0']}..{r['x1']}, y {r['y0']}..{r['y1']}: "
                f"{_mm(r['mm_per_px_x'])} x {_mm(r['mm_per_px_y'])} mm/px"
            )
    else:
        lines.append("calibration:  none (measurements stay in pixels; calibrate manually)")
    for r in others:
        lines.append(
            f"  other: {r['spatial_format']} {r['data_type']} region x {r['x0']}..{r['x1']}, y {r['y0']}..{r['y1']} "
            f"({r['units_x']} x {r['units_y']}, no lengths)"
        )
    if info["metadata"]:
        lines.append("metadata:")
        for item in info["metadata"].values():
            value = "(hidden)" if item["value"] is None else item["value"]
            flag = "  [identifier]" if item["identifier"] else ""
            lines.append(f"  {item['label']}: {value}{flag}")
    for note in info.get("warnings", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)
