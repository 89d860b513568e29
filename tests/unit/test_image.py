"""ImageMedia: stills, 16-bit grey, alpha, palettes, EXIF orientation, multi-page TIFF,
animated GIF, metadata flags and bad input. Files are generated at run time."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from annotator.media.base import MediaError
from annotator.media.image import ImageMedia

H, W = 30, 40


def gradient_rgb() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    return np.stack([x * 6, y * 8, (x + y) * 3], axis=-1).astype(np.uint8)


def grey3(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=2)


# -- stills --------------------------------------------------------------------------------------
def test_grey_png_is_expanded_to_three_equal_channels(tmp_path: Path) -> None:
    grey = gradient_rgb()[..., 0]
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    with ImageMedia(tmp_path / "g.png") as media:
        assert (media.kind, media.frame_count, media.width, media.height) == ("image", 1, W, H)
        assert media.fps is None and media.frame_times_ms.tolist() == [0.0]
        assert media.regions == () and not media.is_clip
        frame = media.frame(0)
        assert frame.dtype == np.uint8 and frame.shape == (H, W, 3)
        np.testing.assert_array_equal(frame, grey3(grey))
        assert media.metadata.get("mode") == "L"


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif"])
def test_lossless_rgb_stills_are_exact(tmp_path: Path, suffix: str) -> None:
    rgb = gradient_rgb()
    path = tmp_path / f"rgb{suffix}"
    Image.fromarray(rgb, "RGB").save(path)
    with ImageMedia(path) as media:
        np.testing.assert_array_equal(media.frame(0), rgb)


def test_jpeg_matches_an_independent_decoder(tmp_path: Path) -> None:
    path = tmp_path / "still.jpg"
    Image.fromarray(gradient_rgb(), "RGB").save(path, quality=90)
    decoded = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert decoded is not None
    expected = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    with ImageMedia(path) as media:
        assert np.abs(media.frame(0).astype(int) - expected.astype(int)).max() <= 2


def test_rgba_is_composited_on_black(tmp_path: Path) -> None:
    rgb = gradient_rgb()
    alpha = np.full((H, W), 255, np.uint8)
    alpha[:, : W // 2] = 0
    alpha[: H // 2, W // 2:] = 128
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(tmp_path / "a.png")
    with ImageMedia(tmp_path / "a.png") as media:
        frame = media.frame(0).astype(int)
    assert np.all(frame[:, : W // 2] == 0)
    np.testing.assert_array_equal(frame[H // 2:, W // 2:], rgb[H // 2:, W // 2:])
    half = np.rint(rgb[: H // 2, W // 2:].astype(float) * 128 / 255)
    assert np.abs(frame[: H // 2, W // 2:] - half).max() <= 1


def test_palette_images_apply_their_palette(tmp_path: Path) -> None:
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 200, 0], [10, 20, 250]], np.uint8)
    indices = (np.arange(H * W).reshape(H, W) % 4).astype(np.uint8)
    img = Image.fromarray(indices, "P")
    img.putpalette(palette.ravel().tolist())
    img.save(tmp_path / "p.png")
    img.save(tmp_path / "p.bmp")
    for name in ("p.png", "p.bmp"):
        with ImageMedia(tmp_path / name) as media:
            np.testing.assert_array_equal(media.frame(0), palette[indices])


def test_sixteen_bit_grey_is_scaled_for_display_and_raw_values_stay(tmp_path: Path) -> None:
    raw = (np.arange(H * W).reshape(H, W) * 3).astype(np.uint16)  # up to 3597: 12-bit data
    assert cv2.imwrite(str(tmp_path / "g16.png"), raw)
    with ImageMedia(tmp_path / "g16.png") as media:
        assert media.high_bit_depth
        stored = media.raw_frame(0)
        assert stored.dtype == np.uint16
        np.testing.assert_array_equal(stored, raw)
        expected = np.rint(raw.astype(float) * 255 / 4095).astype(np.uint8)
        np.testing.assert_array_equal(media.frame(0), grey3(expected))


def test_eight_bit_raw_frame_is_the_frame(tmp_path: Path) -> None:
    Image.fromarray(gradient_rgb(), "RGB").save(tmp_path / "rgb.png")
    with ImageMedia(tmp_path / "rgb.png") as media:
        assert not media.high_bit_depth
        assert media.raw_frame(0) is media.frame(0)


def test_exif_orientation_is_applied_and_identifiers_are_flagged(tmp_path: Path) -> None:
    rgb = gradient_rgb()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: turn 90 degrees clockwise to display
    exif[0x010F] = "ScannerCo"  # Make
    exif[0x013B] = "Dr Jane Roe"  # Artist
    exif[0x0132] = "2024:03:01 10:00:00"  # DateTime
    exif[0x010E] = "Patient 12345 left calf"  # ImageDescription
    path = tmp_path / "rotated.jpg"
    Image.fromarray(rgb, "RGB").save(path, quality=95, exif=exif, comment=b"MRN 998877")
    with ImageMedia(path) as media:
        assert (media.width, media.height) == (H, W)
        expected = np.rot90(rgb, -1)
        assert np.abs(media.frame(0).astype(int) - expected.astype(int)).mean() < 3
        items = {item.key: item for item in media.metadata.items}
    assert not items["exif.Make"].identifier and items["exif.Make"].value == "ScannerCo"
    for key in ("exif.Artist", "exif.DateTime", "exif.ImageDescription", "comment"):
        assert items[key].identifier, key
    assert items["comment"].value == "MRN 998877"


def test_png_text_chunks_and_dpi(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "EchoView 2")
    info.add_text("Comment", "John Smith, knee")
    info.add_itxt("Author", "Clinic North")
    Image.fromarray(gradient_rgb(), "RGB").save(tmp_path / "t.png", pnginfo=info, dpi=(300, 300))
    with ImageMedia(tmp_path / "t.png") as media:
        items = {item.key: item for item in media.metadata.items}
    assert not items["png_text.Software"].identifier
    assert items["png_text.Comment"].identifier and items["png_text.Comment"].value == "John Smith, knee"
    assert items["png_text.Author"].identifier
    assert items["dpi"].value.startswith("300")


# -- multi-frame files ---------------------------------------------------------------------------
def _pages(n: int) -> list[np.ndarray]:
    return [np.full((H, W), 20 + 25 * k, np.uint8) for k in range(n)]


def test_multi_page_tiff_pages_are_frames_decoded_on_demand(tmp_path: Path) -> None:
    pages = _pages(6)
    images = [Image.fromarray(p, "L") for p in pages]
    images[0].save(tmp_path / "stack.tif", save_all=True, append_images=images[1:])
    with ImageMedia(tmp_path / "stack.tif") as media:
        assert media.frame_count == 6 and media._still is None  # nothing decoded at open
        for k in (4, 0, 5, 2):
            np.testing.assert_array_equal(media.frame(k), grey3(pages[k]))
        assert media.fps == pytest.approx(30.0)  # assumed, and the metadata says so
        assert "assumed" in (media.metadata.get("timing") or "")


def test_tiff_pages_of_another_size_are_skipped_and_imagej_timing_is_read(tmp_path: Path) -> None:
    pages = _pages(3)
    images = [Image.fromarray(p, "L") for p in pages]
    images.insert(2, Image.fromarray(np.zeros((8, 8), np.uint8), "L"))  # a thumbnail page
    description = "ImageJ=1.54f\nimages=3\nfinterval=0.05\n"
    images[0].save(tmp_path / "ij.tif", save_all=True, append_images=images[1:], description=description)
    with ImageMedia(tmp_path / "ij.tif") as media:
        assert media.frame_count == 3
        np.testing.assert_allclose(media.frame_times_ms, [0.0, 50.0, 100.0])
        np.testing.assert_array_equal(media.frame(2), grey3(pages[2]))
        assert media.metadata.get("skipped_pages") is not None


@pytest.mark.parametrize("keep", [0.4, 0.95])
def test_truncated_tiff_stack_is_refused_at_open(tmp_path: Path, keep: float) -> None:
    images = [Image.fromarray(np.full((120, 160), 20 + 25 * k, np.uint8), "L") for k in range(6)]
    images[0].save(tmp_path / "stack.tif", save_all=True, append_images=images[1:])
    data = (tmp_path / "stack.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(MediaError, match="truncated"):
        ImageMedia(tmp_path / "cut.tif")


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_an_uncompressed_tiff_written_in_strips_opens(tmp_path: Path, dtype: type) -> None:
    """OpenCV, ImageJ and most scientific tools write uncompressed TIFF in strips of a few
    rows, the last one near the end of the file; the size check took each strip for the whole
    image and refused the file as truncated. A float image is windowed over its range."""
    grey = np.tile(np.arange(0, 250, 250 / 320, dtype=np.float32), (240, 1)).astype(np.uint8)
    stored = grey if dtype is np.uint8 else grey.astype(np.float32) / 255.0
    path = tmp_path / "strips.tif"
    assert cv2.imwrite(str(path), stored, [cv2.IMWRITE_TIFF_COMPRESSION, 1])
    with Image.open(path) as img:
        assert len(img.tile) > 1 and {t.codec_name for t in img.tile} == {"raw"}
    media = ImageMedia(path)
    frame = media.frame(0)
    assert frame.shape == (240, 320, 3)
    expected = grey.astype(np.float64) * 255.0 / grey.max() if dtype is np.float32 else grey
    assert np.abs(frame[..., 0].astype(np.float64) - expected).max() <= 1.0


def test_sixteen_bit_tiff_stack_keeps_raw_values(tmp_path: Path) -> None:
    stack = [(np.arange(H * W).reshape(H, W) * (k + 1)).astype(np.uint16) for k in range(3)]
    images = [Image.fromarray(a) for a in stack]
    images[0].save(tmp_path / "s16.tif", save_all=True, append_images=images[1:])
    with ImageMedia(tmp_path / "s16.tif") as media:
        assert media.frame_count == 3 and media.high_bit_depth
        np.testing.assert_array_equal(media.raw_frame(2), stack[2])
        assert media.frame(2).dtype == np.uint8 and media.frame(2).max() > 200


def _gif(path: Path, durations: list[int]) -> list[np.ndarray]:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (250, 250, 0), (0, 250, 250)]
    frames = []
    for k in range(len(durations)):
        rgb = np.zeros((H, W, 3), np.uint8)
        rgb[:, : (k + 1) * W // len(durations)] = colours[k % len(colours)]
        frames.append(rgb)
    images = [Image.fromarray(f, "RGB").quantize(colors=8, dither=Image.Dither.NONE) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0, disposal=1)
    return frames


def test_animated_gif_frames_and_their_durations(tmp_path: Path) -> None:
    durations = [40, 40, 0, 70, 40]
    frames = _gif(tmp_path / "anim.gif", durations)
    with ImageMedia(tmp_path / "anim.gif") as media:
        assert media.frame_count == len(durations)
        # A stored 0 is shown at 100 ms, as browsers do.
        np.testing.assert_allclose(media.frame_times_ms, [0, 40, 80, 180, 250])
        for k in (3, 0, 4, 1):
            np.testing.assert_array_equal(media.frame(k), frames[k])
        assert media.metadata.get("timing") is not None


def test_truncated_gif_is_refused(tmp_path: Path) -> None:
    _gif(tmp_path / "anim.gif", [40] * 5)
    data = (tmp_path / "anim.gif").read_bytes()
    (tmp_path / "cut.gif").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(MediaError, match="truncated"):
        ImageMedia(tmp_path / "cut.gif")


# -- bad input ------------------------------------------------------------------------------------
def _bmp_header_claiming(width: int, height: int) -> bytes:
    header = struct.pack("<2sIHHI", b"BM", 54 + 100, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return header + info + bytes(100)


@pytest.mark.parametrize("case", [
    "missing", "empty", "garbage", "truncated png", "truncated jpeg", "huge claimed size",
    "size beyond the file", "a directory",
])
def test_bad_input_raises_media_error_naming_the_file(case: str, tmp_path: Path) -> None:
    good_png, good_jpg = tmp_path / "ok.png", tmp_path / "ok.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(good_png)
    Image.fromarray(gradient_rgb()).resize((400, 300)).save(good_jpg, quality=90)
    path = tmp_path / f"bad_{case.replace(' ', '_')}.png"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "garbage":
        path.write_bytes(np.random.default_rng(1).bytes(5000))
    elif case == "truncated png":
        path.write_bytes(good_png.read_bytes()[:20_000])
    elif case == "truncated jpeg":
        path = tmp_path / "cut.jpg"
        path.write_bytes(good_jpg.read_bytes()[:1500])
    elif case == "huge claimed size":
        path = tmp_path / "huge.bmp"
        path.write_bytes(_bmp_header_claiming(60_000, 60_000))
    elif case == "size beyond the file":
        path = tmp_path / "short.bmp"
        path.write_bytes(_bmp_header_claiming(3000, 2000))
    elif case == "a directory":
        path = tmp_path / "folder.png"
        path.mkdir()
    start = time.perf_counter()
    with pytest.raises(MediaError) as info:
        ImageMedia(path)
    assert time.perf_counter() - start < 5.0
    assert info.value.path == str(path) and path.name in str(info.value)
    assert "\n" not in str(info.value)


# -- real files ---------------------------------------------------------------------------------
@pytest.mark.corpus
def test_corpus_gif_has_31_frames_at_30_ms_matching_ffmpeg(corpus: Path) -> None:
    import av

    path = corpus / "luuleitner-MotorEndplate" / "contraction.gif"
    with av.open(str(path)) as container:
        ffmpeg_rgba = [f.to_ndarray(format="rgba") for f in container.decode(video=0)]
    with ImageMedia(path) as media:
        assert media.frame_count == 31
        np.testing.assert_allclose(np.diff(media.frame_times_ms), 30.0)
        assert media.fps == pytest.approx(1000.0 / 30.0)
        assert len(ffmpeg_rgba) == 31
        for k in (0, 30, 12, 1):
            rgba = ffmpeg_rgba[k].astype(np.uint16)
            expected = ((rgba[..., :3] * rgba[..., 3:] + 127) // 255).astype(np.uint8)
            np.testing.assert_array_equal(media.frame(k), expected)
        assert any(item.key == "xmp" and item.identifier for item in media.metadata.items)


@pytest.mark.corpus
def test_corpus_stills_match_opencv(corpus: Path) -> None:
    folder = corpus / "timvanderzee-ultrasound-automated-algorithm"
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".bmp"))
    assert len(paths) >= 9
    modes = set()
    for path in paths:
        reference = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert reference is not None, path.name
        with ImageMedia(path) as media:
            frame = media.frame(0)
            modes.add(media.metadata.get("mode"))
        assert frame.shape == (reference.shape[0], reference.shape[1], 3), path.name
        if reference.ndim == 2:
            expected = grey3(reference)
        elif reference.shape[2] == 4:
            rgba = cv2.cvtColor(reference, cv2.COLOR_BGRA2RGBA).astype(np.uint16)
            expected = ((rgba[..., :3] * rgba[..., 3:] + 127) // 255).astype(np.uint8)
        else:
            expected = cv2.cvtColor(reference, cv2.COLOR_BGR2RGB)
        tolerance = 2 if path.suffix == ".jpg" else 0
        assert np.abs(frame.astype(int) - expected.astype(int)).max() <= tolerance, path.name
    assert {"L", "RGB", "RGBA"} <= modes
