"""De-identification without Qt: DICOM headers (PS3.15 basic profile), identifiers in free text,
and the imaging area that keeps scanners' header text out of exported pixels."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset

from annotator.export.deid import (
    REMOVED_TEXT,
    IdentifierSet,
    UidMap,
    deidentify_dataset,
)
from annotator.export.imaging_area import (
    ImagingArea,
    area_from_regions,
    clean_image,
    find_imaging_area,
    mask_outside,
    motion_rect,
    texture_rect,
)
from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, UNIT_SECONDS, Region

US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"


def _header() -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = US_MULTIFRAME
    ds.SOPInstanceUID = "1.2.3.4.5.6.7.1"
    ds.StudyInstanceUID = "1.2.3.4.5.6.7.2"
    ds.SeriesInstanceUID = "1.2.3.4.5.6.7.3"
    ds.PatientName = "Doe^Johnathan"
    ds.PatientID = "PID-99887766"
    ds.PatientBirthDate = "19710203"
    ds.PatientSex = "M"
    ds.InstitutionName = "Saint Elsewhere Clinic"
    ds.ReferringPhysicianName = "House^Gregory"
    ds.OperatorsName = "Sonographer^Sally"
    ds.StudyDate = "20190312"
    ds.AcquisitionDateTime = "20190312101500"
    ds.StudyDescription = "Johnathan follow-up"
    ds.Manufacturer = "Acme"
    ref = Dataset()
    ref.ReferencedSOPClassUID = US_MULTIFRAME
    ref.ReferencedSOPInstanceUID = "1.2.3.4.5.6.7.1"
    ref.PerformingPhysicianName = "Nested^Person"
    ds.ReferencedImageSequence = [ref]
    block = ds.private_block(0x0009, "ACME", create=True)
    block.add_new(0x01, "LO", "Johnathan private")
    return ds


def test_basic_profile_removes_identity_dates_people_and_private_tags() -> None:
    ds = deidentify_dataset(_header(), UidMap())
    text = str(ds)
    for planted in ("Johnathan", "PID-99887766", "19710203", "Elsewhere", "Gregory", "Sally",
                    "20190312", "Nested", "ACME"):
        assert planted not in text, planted
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.DeidentificationMethod
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert "113100" in codes and "113101" in codes
    assert ds.Manufacturer == "Acme"  # not identifying: kept
    assert ds.SOPClassUID == US_MULTIFRAME  # a class, not an instance: kept


def test_uids_are_replaced_consistently_within_one_map() -> None:
    uid_map = UidMap()
    ds = deidentify_dataset(_header(), uid_map)
    assert ds.SOPInstanceUID != "1.2.3.4.5.6.7.1"
    assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID == ds.SOPInstanceUID
    assert ds.StudyInstanceUID == uid_map("1.2.3.4.5.6.7.2")
    other = deidentify_dataset(_header(), UidMap())
    assert other.SOPInstanceUID != ds.SOPInstanceUID  # a new map: new UIDs


def test_salted_uid_map_is_reproducible() -> None:
    assert UidMap("salt")("1.2.3") == UidMap("salt")("1.2.3")
    assert UidMap("salt")("1.2.3") != UidMap("other")("1.2.3")


def test_identifier_set_scrubs_names_ids_and_written_dates() -> None:
    ids = IdentifierSet()
    ids.update(["Doe^Johnathan", "PID-99887766", "19710203", "M", "12"])
    text = "Johnathan DOE (PID-99887766), born 03/02/1971? no: 1971-02-03; tear 12 mm, M1"
    scrubbed = ids.scrub(text)
    for planted in ("Johnathan", "DOE", "PID-99887766", "1971-02-03"):
        assert planted.lower() not in scrubbed.lower()
    assert REMOVED_TEXT in scrubbed
    assert "tear 12 mm, M1" in scrubbed  # short values are never scrubbed
    assert ids.found_in("a note about johnathan") == ["Doe^Johnathan"]  # the stored value, found by a part


# -- the imaging area ---------------------------------------------------------------------------
def _screen(frames: int, seed: int = 0) -> np.ndarray:
    """A scanner screen: a static bright text header and a moving speckle image below it."""
    rng = np.random.default_rng(seed)
    out = np.zeros((frames, 200, 300, 3), dtype=np.uint8)
    for i in range(frames):
        out[i, 60:190, 50:270] = rng.integers(20, 220, size=(130, 220, 1), dtype=np.uint8)
        out[i, 10:22, 20:280:7] = 255  # text-like strokes in the header
        out[i, 12:20, 22:280:9] = 255
    return out


def test_regions_give_the_area_and_mask_between_them() -> None:
    regions = [Region(10, 20, 99, 119, UNIT_CM, UNIT_CM, 0.01, 0.01),
               Region(120, 20, 199, 119, UNIT_CM, UNIT_CM, 0.01, 0.01),
               Region(10, 130, 199, 160, UNIT_SECONDS, 0, 0.01, 1.0, spatial_format=4, data_type=0x0A)]
    area = area_from_regions(regions, 220, 180)
    assert area is not None and area.source == "regions"
    assert area.rect == (10, 20, 190, 141)
    image = np.full((180, 220, 3), 200, dtype=np.uint8)
    cleaned = clean_image(image, area)
    assert cleaned.shape == (141, 190, 3)
    assert (cleaned[:100, 90:110] == 0).all()  # the gap between the two B-mode regions
    assert (cleaned[110:, 90:110] == 200).all()  # the ECG strip below is kept
    assert (cleaned[0:100, 0:90] == 200).all()


def test_graphics_regions_are_not_imaging_area() -> None:
    assert area_from_regions([Region(0, 0, 50, 10, 0, 0, 0, 0, spatial_format=5, data_type=0)], 100, 100) is None


def test_motion_finds_the_changing_image_not_the_static_header() -> None:
    frames = list(_screen(12))
    x, y, w, h = motion_rect(frames) or (0, 0, 0, 0)
    assert 40 <= x <= 60 and 50 <= y <= 70, (x, y)
    assert 200 <= w <= 240 and 115 <= h <= 140, (w, h)


def test_texture_finds_the_speckle_not_the_text_of_a_still() -> None:
    x, y, w, h = texture_rect(_screen(1)[0]) or (0, 0, 0, 0)
    assert y >= 40, "the header text must be left out"
    assert w >= 180 and h >= 100


def test_find_imaging_area_prefers_regions_then_motion_then_texture() -> None:
    clip = ArrayMedia(_screen(10), kind="video")
    assert find_imaging_area(clip).source == "motion"
    still = ArrayMedia(_screen(1))
    assert find_imaging_area(still).source == "texture"
    calibrated = ArrayMedia(_screen(10), regions=[Region(50, 60, 269, 189, UNIT_CM, UNIT_CM, 0.01, 0.01)])
    area = find_imaging_area(calibrated)
    assert area.source == "regions" and area.rect == (50, 60, 220, 130)
    blank = ArrayMedia(np.zeros((40, 40, 3), dtype=np.uint8))
    assert find_imaging_area(blank).source == "full"


def test_mask_outside_blacks_everything_but_the_area() -> None:
    image = np.full((50, 60, 3), 255, dtype=np.uint8)
    masked = mask_outside(image, ImagingArea((10, 5, 20, 30), "user"))
    assert masked[5:35, 10:30].min() == 255
    assert masked.sum() == 255 * 3 * 20 * 30
    assert image.min() == 255  # the source frame is never written to


def test_adjusted_area_is_clamped_and_marked_as_the_users() -> None:
    area = ImagingArea((0, 0, 10, 10), "motion").adjusted((-5, 40, 500, 30), 100, 60)
    assert area.source == "user"
    assert area.rect == (0, 40, 100, 20)


@pytest.mark.parametrize("bad", [(0, 0, 0, 0)])
def test_a_degenerate_rect_still_keeps_one_pixel(bad: tuple[int, int, int, int]) -> None:
    area = ImagingArea(bad, "motion").adjusted(bad, 10, 10)
    assert area.rect[2] >= 1 and area.rect[3] >= 1


def test_descriptive_text_is_not_scrubbed_from_captions_but_names_are() -> None:
    """Series descriptions and comments are anatomy, not identity: a caption keeps its
    anatomy words, while every part of the patient's name goes."""
    from pydicom.dataset import Dataset

    from annotator.export.deid import IdentifierSet, _collect

    ds = Dataset()
    ds.PatientName = "DOE^JOHNATHAN"
    ds.PatientID = "MRN0042"
    ds.SeriesDescription = "Medial gastrocnemius, long axis, contraction"
    ds.ImageComments = "right calf for review"
    found = IdentifierSet()
    _collect(ds, found)
    caption = "Tear of the right medial gastrocnemius on contraction (Johnathan Doe, MRN0042)"
    scrubbed = found.scrub(caption)
    assert "medial gastrocnemius on contraction" in scrubbed
    assert "right" in scrubbed and "for" not in found.values
    for identity in ("Johnathan", "Doe", "MRN0042"):
        assert identity.lower() not in scrubbed.lower()
