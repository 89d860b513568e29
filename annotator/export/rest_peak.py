"""Rest versus peak of every dynamic measurement, as the report and the slides tell it.

Rest and peak are the frames the sonographer chose (the annotation's ``rest_frame`` and
``peak_frame``, when the case has them), else the suggestion of
``annotator.dynamics.series.suggest_rest_peak``; the summary says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.case.measure import PRIMARY_QUANTITY
from annotator.case.wording import first_upper
from annotator.dynamics.series import Series
from annotator.export.context import ExportContext
from annotator.export.figure import FigureSpec, PanelSpec, series_with_rest_peak
from annotator.media.base import MediaError


@dataclass(frozen=True)
class RestPeak:
    annotation: str
    media: str
    name: str  # the annotation's label (de-identified), or its quantity
    quantity: str
    unit: str  # as people read it: mm, mm², °
    rest_frame: int
    rest_s: float
    rest_value: float
    peak_frame: int
    peak_s: float
    peak_value: float
    picked: str  # "chosen" (by the sonographer) or "suggested"
    series: Series

    @property
    def change(self) -> float:
        return self.peak_value - self.rest_value

    @property
    def change_pct(self) -> float | None:
        return None if not self.rest_value else self.change / self.rest_value * 100.0

    def change_text(self, inline: bool = False) -> str:
        """"+6.0 mm (+120 %)"; ``inline``: "+6.0 mm, +120 %" (inside brackets already)."""
        pct = self.change_pct
        if pct is None:
            return f"{self.change:+.1f} {self.unit}"
        return f"{self.change:+.1f} {self.unit}" + (f", {pct:+.0f} %" if inline else f" ({pct:+.0f} %)")

    def sentence(self) -> str:
        """e.g. "Gap: rest 5.0 mm (frame 0, 0.00 s), peak 11.0 mm (frame 40, 1.33 s), change
        +6.0 mm (+120 %)"."""
        return (f"{first_upper(self.name)}: rest {self.rest_value:.1f} {self.unit} "
                f"(frame {self.rest_frame}, {self.rest_s:.2f} s), peak {self.peak_value:.1f} {self.unit} "
                f"(frame {self.peak_frame}, {self.peak_s:.2f} s), change {self.change_text()}"
                f"{'' if self.picked == 'chosen' else '; rest and peak suggested by the app'}")


def rest_peak_summaries(ctx: ExportContext) -> list[RestPeak]:
    """One summary per dynamic annotation with a measurement over time (case order)."""
    out = []
    for a in ctx.case.annotations:
        if not a.is_dynamic or PRIMARY_QUANTITY.get(a.kind) is None:
            continue
        if ctx.options.media not in (None, a.media):
            continue
        try:
            series, picked = series_with_rest_peak(ctx, a)
        except (MediaError, IndexError, ValueError, KeyError):
            continue
        st = series.stats()
        if st is None or st.rest is None or st.peak is None or st.rest.value is None or st.peak.value is None:
            continue
        name = ctx.text(a.label) or series.quantity.replace("_", " ")
        out.append(RestPeak(a.id, a.media, name, series.quantity, series.unit_text, st.rest.frame,
                            st.rest.time_s, st.rest.value, st.peak.frame, st.peak.time_s, st.peak.value,
                            picked, series))
    return out


def rest_peak_figure(summary: RestPeak, ctx: ExportContext, width_mm: float, dpi: int) -> FigureSpec:
    """Rest frame, peak frame and the plot of the measurement with both marked: side by side,
    or at a single-column width (< 120 mm) the frames above and the plot below, where a third of
    the width would crush the plot."""
    panels = [
        PanelSpec(summary.media, summary.rest_frame, title=f"Rest, {summary.rest_s:.2f} s", crop=ctx.options.crop),
        PanelSpec(summary.media, summary.peak_frame, title=f"Peak, {summary.peak_s:.2f} s", crop=ctx.options.crop),
        PanelSpec(summary.media, plot=summary.annotation),
    ]
    rows, cols = (1, 3) if width_mm >= 120.0 else (2, 2)
    return FigureSpec(panels, rows, cols, width_mm, dpi, legend=ctx.options.legend,
                      orientation=ctx.options.orientation, true_aspect=ctx.options.true_aspect)
