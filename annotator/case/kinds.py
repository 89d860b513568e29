"""The annotation-kind registry: every kind of mark declared once (no Qt).

A kind's ``name`` is the string stored in case files and never changes (older cases load
unchanged); ``display`` is its word in the glossary (README) and everywhere people read it:
a ``line`` is a *caliper*, a ``polygon`` a *trace*. The rest of the code asks the registry
(``kind_spec(name)``) for what differs between kinds rather than comparing kind strings:

- here (Qt-free): point counts, geometry, measurements with their units, grey-level
  statistics, which kinds may change into each other, how tracking follows the kind, the
  DICOM SR graphic, and the words of figure captions and legends;
- ``annotator.render.kind_looks``: the painter, colour, line pattern and sample shapes;
- ``annotator.ui.tools.registry``: the tools that draw the kind.

tests/unit/test_kinds_registry.py fails when a kind misses any of these, or when a module
outside the registries switches on kind strings. docs/adr/0015-kinds-registry.md says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from annotator.case import kind_measures as km

Point = tuple[float, float]

#: how the points make the shape (hit testing, handles, SR graphics, paint reach)
Geometry = Literal["point", "segment", "path", "angle", "arrow", "outline", "ellipse", "text", "structure"]
#: how tracking follows it: each point alone, a caliper's ends beside the tissue edges, a
#: trace as one coherent outline, or the boundaries and fascicle of a muscle
Tracking = Literal["points", "caliper", "trace", "structure"]
#: the SCOORD graphic of a DICOM SR (a closed outline is a POLYLINE repeating its first point)
SrGraphic = Literal["POINT", "POLYLINE", "CLOSED_POLYLINE", "ELLIPSE", "MEASURED_PATH"]
#: the structures a structure-aware kind marks, one two-point segment each, in point order
Segment = Literal["fascicle", "superficial", "deep"]


@dataclass(frozen=True)
class KindSpec:
    name: str  # in case files: never renamed
    display: str  # the glossary word
    min_points: int
    max_points: int | None  # None = no maximum
    geometry: Geometry
    tracking: Tracking
    #: the quantity that stands for the kind (drawn beside the shape); None = measures nothing
    primary_quantity: str | None = None
    measure: km.Measurer | None = None
    #: the quantities a finding's link may ask of it
    link_quantities: frozenset[str] = frozenset()
    #: its measurements include grey-level statistics of the frame's pixels
    grey_stats: bool = False
    #: kinds of one family may change into each other without redrawing (same point layout)
    family: str = ""
    segments: tuple[Segment, ...] = ()
    #: what was measured, as a path (structure-aware kinds)
    measured_path: Callable[[Sequence[Point]], list[Point] | None] | None = None
    sr_graphic: SrGraphic | None = None
    #: the quantity it gives when a finding's value asks another: (asked, given) pairs (a
    #: thickness gives a muscle thickness, which findings keep as a length)
    link_equivalents: tuple[tuple[str, str], ...] = ()
    #: the label of an annotation the architecture analysis makes of this kind
    analysis_label: str = ""
    # the words of captions and legends: what the symbol is, what it marks, as a sentence
    symbol: str = ""
    meaning: str = ""
    sentence: str = ""
    symbol_rank: int = 99  # order in captions and legends

    @property
    def closed(self) -> bool:
        return self.geometry == "outline"

    @property
    def is_text(self) -> bool:
        return self.geometry == "text"

    @property
    def is_structure(self) -> bool:
        return self.tracking == "structure"

    @property
    def measures(self) -> bool:
        return self.primary_quantity is not None

    @property
    def extrapolates(self) -> bool:
        """Whether a measurement may run past the image (a fascicle's length): measuring
        it needs to know where the image ends."""
        return "fascicle" in self.segments

    def may_leave_image(self, index: int) -> bool:
        """Whether point ``index`` may lie outside the image: a fascicle's ends, on the
        aponeuroses where the fascicle meets them, extrapolated past the image as the muscle
        literature does (its measurement says it was)."""
        return self.extrapolates and index // 2 == self.segments.index("fascicle")

    def placing_points(self, points: Sequence[Point]) -> list[Point]:
        """The points that say which calibrated region a measurement lies in: all but a
        fascicle's ends, which may be extrapolated past the region and are measured at the
        scale of the aponeuroses they lie on (all of them when nothing else is left)."""
        kept = [p for i, p in enumerate(points) if not self.may_leave_image(i)]
        return kept or list(points)

    def link_quantity(self, asked: str) -> str:
        """The quantity a link to this kind takes for a finding value asking ``asked``."""
        return dict(self.link_equivalents).get(asked, asked)

    def point_count_text(self) -> str:
        lo, hi = self.min_points, self.max_points
        return f"{lo}" if lo == hi else f"at least {lo}" if hi is None else f"{lo} to {hi}"


_LENGTH = frozenset({"length"})
_AREA = frozenset({"area", "perimeter", "mean_intensity", "sd_intensity"})

#: every kind, in the order of the case-file schema's enum
KINDS: tuple[KindSpec, ...] = (
    KindSpec("point", "point", 1, 1, "point", "points", family="anchor", sr_graphic="POINT",
             symbol="marker", symbol_rank=10),
    KindSpec("line", "caliper", 2, 2, "segment", "caliper", "length", km.measure_path, _LENGTH,
             family="two-point", sr_graphic="POLYLINE", symbol="calipers", meaning="distance",
             sentence="calipers mark distances", symbol_rank=0),
    KindSpec("polyline", "polyline", 2, None, "path", "trace", "length", km.measure_path, _LENGTH,
             family="path", sr_graphic="POLYLINE", symbol="polyline", meaning="length",
             sentence="dashed lines mark lengths", symbol_rank=1),
    # a freehand trace is a polygon with many points
    KindSpec("polygon", "trace", 3, None, "outline", "trace", "area", km.measure_outline, _AREA,
             grey_stats=True, family="path", sr_graphic="CLOSED_POLYLINE", symbol="traced outline",
             meaning="area", sentence="outlines mark traced areas", symbol_rank=2),
    # centre, end of one semi-axis, a point giving the other semi-axis length
    KindSpec("ellipse", "ellipse", 3, 3, "ellipse", "points", "area", km.measure_ellipse,
             _AREA | {"major_axis", "minor_axis"}, grey_stats=True, sr_graphic="ELLIPSE",
             symbol="ellipse", meaning="area", sentence="dash-dot ellipses mark areas", symbol_rank=3),
    # end of arm 1, vertex, end of arm 2
    KindSpec("angle", "angle", 3, 3, "angle", "points", "angle", km.measure_angle, frozenset({"angle"}),
             sr_graphic="POLYLINE", symbol="angle", meaning="angle", sentence="arcs mark angles",
             symbol_rank=4),
    KindSpec("arrow", "arrow", 2, 2, "arrow", "points", family="two-point", sr_graphic="POLYLINE",
             symbol="arrow", symbol_rank=8),  # tail, head
    KindSpec("text", "text", 1, 1, "text", "points", family="anchor"),  # anchor
    # structure-aware kinds: each boundary is a segment of two points (docs/case-format.md)
    KindSpec("thickness", "thickness", 4, 4, "structure", "structure", "thickness", km.measure_thickness,
             frozenset({"thickness"}), segments=("superficial", "deep"), measured_path=km.thickness_path,
             link_equivalents=(("length", "thickness"),), analysis_label="muscle thickness",
             sr_graphic="MEASURED_PATH", symbol="thickness", meaning="distance between the aponeuroses",
             sentence="a perpendicular between two boundary lines marks a thickness", symbol_rank=5),
    KindSpec("pennation", "pennation", 4, 4, "structure", "structure", "pennation", km.measure_pennation,
             frozenset({"pennation", "fascicle_angle", "aponeurosis_angle"}), segments=("fascicle", "deep"),
             measured_path=km.pennation_path, link_equivalents=(("angle", "pennation"),),
             analysis_label="pennation", sr_graphic="MEASURED_PATH", symbol="pennation angle",
             meaning="fascicle to deep aponeurosis",
             sentence="an arc between a fascicle and the deep aponeurosis marks a pennation angle",
             symbol_rank=6),
    KindSpec("fascicle", "fascicle", 6, 6, "structure", "structure", "fascicle_length", km.measure_fascicle,
             frozenset({"fascicle_length", "pennation"}), segments=("fascicle", "superficial", "deep"),
             measured_path=km.fascicle_path,
             link_equivalents=(("angle", "pennation"), ("length", "fascicle_length")),
             analysis_label="fascicle length", sr_graphic="MEASURED_PATH", symbol="fascicle",
             meaning="fascicle length",
             sentence="a fascicle between the aponeuroses marks its length, dashed where extended",
             symbol_rank=7),
)
KIND_SPECS: dict[str, KindSpec] = {k.name: k for k in KINDS}
#: the kind a tool previews with while too few points are placed for its own
PREVIEW_KIND = "polyline"


def kind_spec(name: str) -> KindSpec | None:
    """The kind called ``name`` in case files; None for an unknown one."""
    return KIND_SPECS.get(name)


def display_name(name: str) -> str:
    """The glossary word for a kind ("caliper" for ``line``); an unknown name as it is."""
    spec = KIND_SPECS.get(name)
    return spec.display if spec is not None else name


def kinds_where(test: Callable[[KindSpec], bool]) -> tuple[str, ...]:
    return tuple(k.name for k in KINDS if test(k))


def symbol_order() -> tuple[str, ...]:
    """Kinds in the order captions and legends name them (the ones drawn with words last)."""
    return tuple(k.name for k in sorted(KINDS, key=lambda k: k.symbol_rank) if k.symbol)


def can_change(old: str, new: str) -> bool:
    """Whether an annotation of kind ``old`` may become ``new`` without redrawing."""
    a, b = KIND_SPECS.get(old), KIND_SPECS.get(new)
    return a is not None and b is not None and (old == new or (a.family != "" and a.family == b.family))


# -- views of the registry under the names older code uses ------------------------------------
ANNOTATION_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS)
#: kinds measured between structures (aponeuroses, fascicles), tracked as structures
ARCHITECTURE_KINDS: tuple[str, ...] = kinds_where(lambda k: k.is_structure)
#: (minimum, maximum) number of points per kind; None = no maximum
POINT_COUNTS: dict[str, tuple[int, int | None]] = {k.name: (k.min_points, k.max_points) for k in KINDS}
#: the quantity that stands for each kind that measures
PRIMARY_QUANTITY: dict[str, str] = {k.name: k.primary_quantity for k in KINDS if k.primary_quantity}
