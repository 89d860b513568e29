"""The legend of a figure: each kind of symbol shown, drawn by the one renderer, with its words.

Symbols are told apart by shape and line pattern as well as colour, and the legend names each
one, so the figure reads in greyscale print too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from annotator.case.kinds import kind_spec, symbol_order
from annotator.case.model import Annotation, Style
from annotator.export.caption import PanelContent
from annotator.media.calibration import Calibration
from annotator.render import FrameScene, ImageTransform, RenderOptions, paint_scene
from annotator.render.kind_looks import kind_look

SWATCH_W, SWATCH_H = 60, 24  # the swatch's own "image" size in its pixels (``KindLook.swatch``)
SWATCH_BACKGROUND = 45  # dark grey, like tissue, so the symbols look as on the image
@dataclass(frozen=True)
class LegendEntry:
    kind: str
    text: str
    style: Style


def legend_entries(panels: Sequence[PanelContent]) -> list[LegendEntry]:
    """One entry per kind of symbol the panels show, with the labels used for it."""
    by_kind: dict[str, list[Annotation]] = {}
    for panel in panels:
        for ann in panel.annotations:
            by_kind.setdefault(ann.kind, []).append(ann)
    entries = []
    for kind in symbol_order():
        anns, spec = by_kind.get(kind), kind_spec(kind)
        if not anns or spec is None:
            continue
        labels = sorted({a.label.strip() for a in anns if a.label.strip()})
        text = spec.symbol.capitalize()
        if labels:
            text += ": " + ", ".join(labels[:4]) + (", ..." if len(labels) > 4 else "")
        elif spec.meaning:
            text += f" ({spec.meaning})"
        entries.append(LegendEntry(kind, text, anns[0].style))
    return entries


@dataclass(frozen=True)
class LegendItem:
    entry: LegendEntry
    swatch: QRectF
    text_at: QRectF


def layout_legend(entries: Sequence[LegendEntry], x: float, y: float, width: float,
                  font: QFont) -> tuple[list[LegendItem], float]:
    """Items flowed left to right, wrapping at ``width``; returns them and the height used."""
    fm = QFontMetricsF(font)
    line_h = fm.height() * 1.6
    sw_h = fm.height() * 1.3
    sw_w = sw_h * SWATCH_W / SWATCH_H
    gap = fm.height() * 0.5
    items: list[LegendItem] = []
    cx, cy = x, y
    for entry in entries:
        text_w = fm.horizontalAdvance(entry.text) + 2
        item_w = sw_w + gap + text_w
        if cx > x and cx + item_w > x + width:
            cx, cy = x, cy + line_h
        swatch = QRectF(cx, cy + (line_h - sw_h) / 2, sw_w, sw_h)
        text_at = QRectF(cx + sw_w + gap, cy, min(text_w, x + width - cx - sw_w - gap), line_h)
        items.append(LegendItem(entry, swatch, text_at))
        cx += item_w + 2 * gap
    return items, (cy - y + line_h) if entries else 0.0


def paint_legend(painter: QPainter, items: Sequence[LegendItem], font: QFont, symbol_scale: float,
                 text_color: QColor) -> None:
    background = np.full((SWATCH_H, SWATCH_W, 3), SWATCH_BACKGROUND, dtype=np.uint8)
    options = RenderOptions(show_labels=False, show_values=False, scale_bar=False,
                            symbol_scale=symbol_scale * 0.8)
    for item in items:
        kind = item.entry.kind
        style = replace(item.entry.style, show_label=False, show_value=False)
        look = kind_look(kind)
        if look is not None and look.swatch:
            sample = Annotation.single(f"legend-{kind}", "legend", kind, 0, list(look.swatch), style=style)
            scene = FrameScene(background, 0, 0.0, [sample], Calibration(()))
            xf = ImageTransform.onto((0, 0, SWATCH_W, SWATCH_H), item.swatch)
            paint_scene(painter, scene, xf.to_device(), options)
        painter.setFont(font)
        painter.setPen(text_color)
        painter.drawText(item.text_at, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         item.entry.text)
