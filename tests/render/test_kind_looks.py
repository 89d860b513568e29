"""Every annotation kind of the registry (``annotator.case.kinds``) has its rendering side
(``annotator.render.kind_looks``): a painter that draws it, a colour, a legend swatch and a
tool icon; its sample shape measures what the kind says and goes into a DICOM SR."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from annotator.case.kinds import KINDS, KindSpec
from annotator.case.measure import measure_annotation
from annotator.case.model import Annotation
from annotator.media.calibration import Calibration
from annotator.render import FrameScene, RenderOptions, render_scene
from annotator.render.kind_looks import LOOKS, annotation_pen
from annotator.render.style import Metrics

pytestmark = pytest.mark.usefixtures("qapp")


def test_looks_cover_exactly_the_registry() -> None:
    assert set(LOOKS) == {k.name for k in KINDS}


@pytest.mark.parametrize("spec", KINDS, ids=lambda s: s.name)
def test_every_kind_is_painted(spec: KindSpec) -> None:
    look = LOOKS[spec.name]
    assert QColor(look.color).isValid()
    if spec.is_text:  # its words are the mark: drawn by the label code, no sample shape
        return
    for sample in (look.swatch, look.icon):
        assert spec.min_points <= len(sample) <= (spec.max_points or len(sample))
    ann = Annotation.single("s", "m", spec.name, 0, [(x * 3, y * 3) for x, y in look.swatch])
    black = np.zeros((80, 190, 3), dtype=np.uint8)
    image = render_scene(FrameScene(black, 0, 0.0, [ann], Calibration(())), RenderOptions(scale_bar=False))
    ptr = image.constBits()
    pixels = np.frombuffer(ptr, dtype=np.uint8, count=image.sizeInBytes())
    assert pixels.any(), f"nothing was painted for a {spec.name}"


@pytest.mark.parametrize("spec", [k for k in KINDS if k.measures], ids=lambda s: s.name)
def test_every_measured_kind_gives_its_quantities_and_an_sr_graphic(spec: KindSpec) -> None:
    from annotator.export.dicom_sr import _graphic

    points = list(LOOKS[spec.name].swatch)
    ann = Annotation.single("s", "m", spec.name, 0, points)
    got = {m.quantity for m in measure_annotation(ann, 0, Calibration(()))}
    assert spec.primary_quantity in got
    assert got <= spec.link_quantities | {"min_intensity", "max_intensity", "pixel_count"}
    assert _graphic(ann, points) is not None


def test_dash_patterns_tell_kinds_apart() -> None:
    m = Metrics(1.0)
    patterns = {k.name: tuple(annotation_pen(Annotation.single("a", "m", k.name, 0, [(0, 0)]), m, False)
                              .dashPattern()) for k in KINDS}
    assert patterns["polyline"] != patterns["line"] and patterns["ellipse"] != patterns["polyline"]
