"""``us-annotator export CASE OUT``: figures, clips, slides, reports, DICOM and measurements.

The kind follows OUT's extension; everything is de-identified unless --keep-identifiers.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.cli import CliError

if TYPE_CHECKING:
    from annotator.export.context import ExportOptions

#: the QGuiApplication painting needs, kept alive for the process
_gui_app: object | None = None

EPILOG = """\
output types (from OUT's extension):
  .png .tif .jpg        figure (raster, resolution recorded; 300 dpi at --width-mm by default)
  .svg .pdf             figure (vectors and text; the caption set under the panels)
  .pdf with --report    case report as PDF        .html  case report (self-contained)
  .mp4 .gif             annotated clip (H.264 yuv420p MP4 plays in PowerPoint and browsers)
  .pptx                 slides: one per annotated frame and per annotated clip
  .dcm                  DICOM SR measurement report (TID 1500); with --secondary-capture the
                        figure as a DICOM Secondary Capture
  .csv .json            measurements

Without --frame or --frames a figure shows every annotated frame of the case (of --media).
De-identification is on by default: metadata without patient, people, institution, dates or
source UIDs, and pixels cropped to the imaging area (the calibrated regions, or the area found
in the pixels). An existing OUT is replaced only with --force.
"""


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of frame numbers") from None
    if not values:
        raise argparse.ArgumentTypeError("no frame numbers given")
    return values


def _crop(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not X,Y,WIDTH,HEIGHT in pixels") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be positive")
    return (x, y, w, h)


def _orientation(text: str) -> tuple[str, str]:
    left, sep, right = text.partition(",")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not LEFT,RIGHT (e.g. proximal,distal)")
    return (left.strip(), right.strip())


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export",
        help="export figures, clips, slides, reports, DICOM or measurements",
        description="Export a case to OUT; the type follows OUT's extension.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("case", help="the case file (.uscase.json)")
    p.add_argument("out", help="the file to write")
    p.add_argument("--media", metavar="ID", help="only this media of the case (its id, e.g. m1)")
    p.add_argument("--frame", type=int, metavar="N", help="one frame as the figure")
    p.add_argument("--frames", type=_int_list, metavar="N,N,...", help="these frames as panels")
    p.add_argument("--layout", metavar="RxC", help="panel grid: 1x2, 2x1, 2x2 or any RxC")
    p.add_argument("--plot", action="append", default=[], metavar="ANNOTATION",
                   help="add a panel plotting this annotation's measurement over time (repeatable)")
    p.add_argument("--caption", help="the caption instead of the drafted one")
    p.add_argument("--title", help="the title instead of the case's")
    p.add_argument("--width-mm", type=float, default=85.0, help="print width of a figure (default 85; 174 for two columns)")
    p.add_argument("--dpi", type=int, default=300, help="resolution of a figure (default 300)")
    p.add_argument("--crop", type=_crop, metavar="X,Y,W,H", help="the image area to show, in pixels")
    p.add_argument("--orientation", type=_orientation, metavar="LEFT,RIGHT",
                   help="words at the left and right image edges, e.g. proximal,distal")
    p.add_argument("--no-legend", action="store_true", help="leave the symbol legend out")
    p.add_argument("--speed", type=float, default=1.0, help="clip speed (0.5 = half speed)")
    p.add_argument("--from", dest="frame_from", type=int, metavar="F", help="first frame of a clip")
    p.add_argument("--to", dest="frame_to", type=int, metavar="F", help="last frame of a clip")
    p.add_argument("--timestamp", action="store_true", help="show the time on each frame")
    p.add_argument("--max-width", type=int, metavar="PX", help="scale clips down to this width")
    p.add_argument("--report", action="store_true", help="with .pdf: the case report, not a figure")
    p.add_argument("--secondary-capture", action="store_true", help="with .dcm: a Secondary Capture of the figure")
    p.add_argument("--keep-identifiers", action="store_true",
                   help="keep patient identifiers, dates, UIDs and the full frame (off by default)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")


def options_from_args(args: argparse.Namespace) -> ExportOptions:
    from annotator.export.context import ExportOptions

    if args.speed is not None and not args.speed > 0:
        raise CliError(f"--speed must be positive, not {args.speed}")
    return ExportOptions(
        keep_identifiers=args.keep_identifiers, force=args.force, media=args.media, frame=args.frame,
        frames=args.frames, layout=args.layout, width_mm=args.width_mm, dpi=args.dpi,
        caption=args.caption, title=args.title, crop=args.crop, legend=not args.no_legend,
        orientation=args.orientation, speed=args.speed, frame_from=args.frame_from,
        frame_to=args.frame_to, timestamp=args.timestamp, max_width=args.max_width,
        report=args.report, secondary_capture=args.secondary_capture, plots=args.plot,
    )


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # headless: never needs a display
    from annotator.case.document import CaseDocument
    from annotator.case.errors import CaseError
    from annotator.cli.one_line import one_line
    from annotator.export.output import ExportError, remove_own_parts
    from annotator.export.registry import export, output_kind
    from annotator.media import MediaError

    options = options_from_args(args)
    out = Path(args.out)
    try:
        output_kind(out, options)  # an unknown extension fails before the case is read
        document = CaseDocument.load(args.case)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    except CaseError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{args.case}: cannot read the case: {exc.strerror or exc}") from None
    _ensure_gui_application()
    try:
        try:
            result = export(document, out, options)
        except BaseException:  # a signal or Ctrl+C at any instant: no part file of ours stays
            remove_own_parts(out.parent if str(out.parent) else Path("."))
            raise
        finally:  # warnings the error itself repeats are not said twice
            failure = str(sys.exc_info()[1] or "")
            for warning in document.warnings:
                if warning not in failure:
                    print(one_line(f"warning: {warning}"), file=sys.stderr)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    except MediaError as exc:
        raise CliError(str(exc)) from None
    finally:
        document.close()
    print(f"wrote {result.path} ({result.kind})")
    for line in result.deidentification:
        print(f"de-identification: {line}")
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    for note in result.notes:
        print(note)
    if result.caption:
        print(f"caption: {result.caption}")
    return 0


def _ensure_gui_application() -> None:
    """QtGui painting (fonts, images) needs a QGuiApplication; the offscreen one needs no display."""
    global _gui_app
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _gui_app = QGuiApplication(["us-annotator"])
