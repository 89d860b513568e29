"""Cases for export tests, generated at test time: a multi-frame ultrasound DICOM with a
calibrated region and planted identifiers, an MP4 and a PNG without regions, each with burned-in
header text in a colour nothing else uses (pure red), and a case file annotating them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from annotator.case.io import save_case
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef

ROWS, COLS, FRAMES = 240, 320, 12
REGION = (20, 44, 299, 229)  # x0, y0, x1, y1 inclusive
MM_PER_PX = 0.1
HEADER_TEXT = "DOE JOHNATHAN PID-99887766"
RED = (255, 0, 0)

#: identifiers planted in the source DICOM; none may appear in any de-identified output
IDENTIFIERS = {
    "PatientName": "Doe^Johnathan",
    "PatientID": "PID-99887766",
    "PatientBirthDate": "19710203",
    "InstitutionName": "Saint Elsewhere Clinic",
    "InstitutionAddress": "12 Hidden Lane Springfield",
    "ReferringPhysicianName": "House^Gregory",
    "OperatorsName": "Sonographer^Sally",
    "AccessionNumber": "ACC55443322",
    "StudyDate": "20190312",
    "SeriesDate": "20190313",
    "ContentDate": "20190314",
    "StudyID": "STUDY8877",
    "StationName": "USROOM7XYZ",
    "DeviceSerialNumber": "SN-4455667788",
    "StudyInstanceUID": "1.2.826.0.1.3680043.8.498.1234567890123",
    "SeriesInstanceUID": "1.2.826.0.1.3680043.8.498.2234567890123",
    "SOPInstanceUID": "1.2.826.0.1.3680043.8.498.3234567890123",
}
#: strings searched for in every output's bytes and text
SEARCHED = [
    "Johnathan", "PID-99887766", "19710203", "1971-02-03", "Elsewhere", "Hidden Lane", "Gregory",
    "Sally", "ACC55443322", "20190312", "20190313", "20190314", "2019-03-12", "STUDY8877",
    "USROOM7XYZ", "SN-4455667788", "3680043.8.498.1234567890123", "3680043.8.498.2234567890123",
    "3680043.8.498.3234567890123", "secret_patient_file",
]


def speckle_frames(count: int, rows: int, cols: int, seed: int = 1) -> np.ndarray:
    """Grey speckle that drifts down by 2 px a frame (RGB uint8), darker with depth."""
    rng = np.random.default_rng(seed)
    tall = rng.gamma(2.0, 40.0, size=(rows + 2 * count, cols)).clip(0, 255)
    tall = cv2.GaussianBlur(tall.astype(np.float32), (3, 3), 0)
    frames = np.stack([tall[2 * (count - i) : 2 * (count - i) + rows] for i in range(count)])
    return np.repeat(frames.astype(np.uint8)[..., None], 3, axis=3)


def burn_header(frame: np.ndarray, text: str = HEADER_TEXT, height: int = 34) -> None:
    """The scanner's header band: black, with the patient's name in red."""
    frame[:height] = 0
    cv2.putText(frame, text, (4, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, RED, 2, cv2.LINE_AA)


def red_pixels(rgb: np.ndarray) -> int:
    """How many pixels look like the burned-in red header text."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(np.count_nonzero((r > 150) & (g < 90) & (b < 90) & (r - g > 100)))


def ultrasound_pixels(count: int = FRAMES) -> np.ndarray:
    frames = speckle_frames(count, ROWS, COLS)
    x0, y0, x1, y1 = REGION
    for f in frames:
        burn_header(f)
        f[:, :x0] = 0  # outside the region: black with a depth ruler
        f[:, x1 + 1 :] = 0
        f[y1 + 1 :] = 0
        f[y0:y1:20, x1 + 4 : x1 + 12] = 200
    return frames


def write_us_dicom(path: Path, frames: np.ndarray | None = None) -> Path:
    pixels = ultrasound_pixels() if frames is None else frames
    count, rows, cols = pixels.shape[:3]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.3.1")
    meta.MediaStorageSOPInstanceUID = UID(IDENTIFIERS["SOPInstanceUID"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    for key, value in IDENTIFIERS.items():
        setattr(ds, key, value)
    ds.PatientSex = "M"
    ds.Modality = "US"
    ds.Manufacturer = "Acme Ultrasound"
    ds.StudyDescription = "MSK thigh Johnathan follow-up"
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, count
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.FrameTime = 40.0
    ds.FrameIncrementPointer = 0x00181063
    ds.BurnedInAnnotation = "YES"
    region = Dataset()
    x0, y0, x1, y1 = REGION
    region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = x0, y0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = x1, y1
    region.PhysicalUnitsXDirection, region.PhysicalUnitsYDirection = 3, 3
    region.PhysicalDeltaX = region.PhysicalDeltaY = MM_PER_PX / 10.0
    ds.SequenceOfUltrasoundRegions = [region]
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OB"
    private = ds.private_block(0x0009, "ACME SECRET", create=True)
    private.add_new(0x01, "LO", "Johnathan private")
    ds.save_as(path, enforce_file_format=True)
    return path


def write_clip_mp4(path: Path, count: int = 24, fps: int = 25) -> Path:
    """An MP4 of a scanner screen without regions: static red header text, moving speckle."""
    frames = speckle_frames(count, ROWS, COLS, seed=2)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = COLS, ROWS, "yuv420p"
        stream.options = {"crf": "12", "preset": "ultrafast"}
        for i, f in enumerate(frames):
            burn_header(f)
            f[:, :20] = 0
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def write_still_png(path: Path) -> Path:
    frame = speckle_frames(1, ROWS, COLS, seed=3)[0]
    burn_header(frame)
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path


@dataclass
class ExportCase:
    folder: Path
    case_path: Path
    dicom: Path
    video: Path | None = None
    still: Path | None = None


def _ann(id: str, media: str, kind: str, frame: int, points: Iterable[tuple[float, float]], **kw: object) -> Annotation:
    return Annotation.single(id, media, kind, frame, list(points), **kw)  # type: ignore[arg-type]


def make_case(folder: Path, with_video: bool = True, with_still: bool = True) -> ExportCase:
    """A tear case: calipers at rest (frame 2) and on contraction (frame 8), a trace, an arrow."""
    folder.mkdir(parents=True, exist_ok=True)
    media_dir = folder / "media"
    media_dir.mkdir(exist_ok=True)
    dicom = write_us_dicom(media_dir / "secret_patient_file.dcm")
    case = Case(title="Rectus femoris tear, Johnathan Doe")
    case.media.append(MediaRef("m1", "media/secret_patient_file.dcm", label=""))
    case.findings.append(Finding(
        "f1", "tear", structure="rectus femoris", side="right",
        attributes={
            "thickness": AttributeValue("full"),
            "grade": AttributeValue(3),
            "gap": AttributeValue(annotation="a1", quantity="length"),
            "gap_contraction": AttributeValue(annotation="a2", quantity="length"),
        },
    ))
    case.annotations += [
        _ann("a1", "m1", "line", 2, [(100, 120), (150, 120)], label="gap", finding="f1"),
        _ann("a2", "m1", "line", 8, [(90, 130), (200, 130)], label="gap", finding="f1"),
        _ann("a3", "m1", "polygon", 2, [(60, 170), (120, 160), (130, 210), (70, 215)], label="hematoma"),
        _ann("a4", "m1", "arrow", 8, [(240, 80), (205, 120)], label="tear"),
        _ann("a5", "m1", "ellipse", 8, [(250, 190), (280, 190), (250, 205)]),
        # a note typed on the image that names the patient: must not be painted into exports
        _ann("a8", "m1", "text", 2, [(40, 70)], text="Johnathan's scan"),
    ]
    result = ExportCase(folder, folder / "case.uscase.json", dicom)
    if with_video:
        result.video = write_clip_mp4(media_dir / "secret_patient_file_clip.mp4")
        case.media.append(MediaRef("m2", "media/secret_patient_file_clip.mp4"))
        ann = _ann("a6", "m2", "line", 3, [(80, 100), (160, 150)], label="thickness")
        ann.frame_end = 20
        ann.keyframes[20] = [(84, 110), (166, 160)]
        case.annotations.append(ann)
    if with_still:
        result.still = write_still_png(media_dir / "secret_patient_file_still.png")
        case.media.append(MediaRef("m3", "media/secret_patient_file_still.png"))
        case.annotations.append(_ann("a7", "m3", "angle", 0, [(200, 90), (120, 160), (220, 170)]))
    save_case(case, result.case_path)
    return result


# -- exporting every format once per test session ------------------------------------------------
ALL_OUTPUTS = {
    "png": ["fig.png"], "tif": ["fig.tif"], "jpg": ["fig.jpg"], "svg": ["fig.svg"],
    "pdf": ["fig.pdf"], "report_pdf": ["report.pdf", "--report"], "html": ["report.html"],
    "mp4": ["clip.mp4"], "gif": ["clip.gif"], "pptx": ["slides.pptx"], "sr": ["sr.dcm"],
    "sc": ["sc.dcm", "--secondary-capture"], "csv": ["m.csv"], "json": ["m.json"],
}
_CACHE: dict[str, tuple[ExportCase, dict[str, Path]]] = {}


def run_cli(*args: str) -> int:
    from annotator.cli import main

    return main(["export", *args])


def export_all(root: Path) -> tuple[ExportCase, dict[str, Path]]:
    """Every output kind of one generated case, de-identified (cached for the session)."""
    if "all" not in _CACHE:
        case = make_case(root / "case")
        out_dir = root / "out"
        out_dir.mkdir()
        paths = {}
        for key, (name, *flags) in ALL_OUTPUTS.items():
            out = out_dir / name
            status = run_cli(str(case.case_path), str(out), *flags)
            assert status == 0, f"exporting {name} failed with {status}"
            paths[key] = out
        _CACHE["all"] = (case, paths)
    return _CACHE["all"]
