"""Two media side by side (left vs right leg, before vs after treatment), played in step by
normalised time with one play/pause and one scrubber, each side labelled with its side and
label; zoom and pan can be linked (in mm when both are calibrated)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.media import MediaError
from annotator.ui.compare.errors import ComparisonError
from annotator.ui.compare.panel import CompareViewer
from annotator.ui.compare.source import FrameSource
from annotator.ui.compare.titles import bold, side_label
from annotator.ui.compare.view_sync import ViewSync, link_display, media_frames
from annotator.ui.controller import AppController
from annotator.ui.playback import SPEEDS, Playback
from annotator.ui.transport import speed_text

SCRUB_STEPS = 1000  # scrubber resolution: a thousandth of each clip

class MediaSide(QWidget):
    """One side: its label, the viewer, and where it is (frame and time)."""

    def __init__(self, controller: AppController, media_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = FrameSource(controller, media_id, 0, self)
        ref = self.source.media_ref()
        self.title = QLabel(side_label(ref) if ref is not None else media_id, self)
        self.title.setObjectName("side_title")
        bold(self.title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.viewer = CompareViewer(self.source, self)
        self.notice = QLabel(self)  # said when this side has no mm: its sizes are not comparable
        self.notice.setObjectName("side_uncalibrated")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #e0a030;")
        self.position = QLabel(self)
        self.position.setObjectName("side_position")
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QVBoxLayout(self)
        column.setContentsMargins(2, 2, 2, 2)
        column.addWidget(self.title)
        column.addWidget(self.notice)
        column.addWidget(self.viewer, 1)
        column.addWidget(self.position)
        self.source.current_frame_changed.connect(self._show_position)
        self._show_position()

    @property
    def frame(self) -> int:
        return self.source.current_frame

    def show_calibration(self, calibrated: bool) -> None:
        self.notice.setText("" if calibrated else "Uncalibrated: values in px, sizes not comparable in mm")
        self.notice.setVisible(not calibrated)

    def _show_position(self, *_args: object) -> None:
        media = self.source.current_media()
        if media is None:
            self.position.setText("")
        elif media.frame_count < 2:
            self.position.setText("still image")
        else:
            f = self.source.current_frame
            self.position.setText(f"frame {f} / {media.frame_count - 1}   {media.time_ms(f) / 1000:.2f} s")


class MediaComparison(QWidget):
    def __init__(self, controller: AppController, media_a: str, media_b: str,
                 parent: QWidget | None = None) -> None:
        check_media_pair(controller, media_a, media_b)  # may refuse
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("media_comparison")
        self.sides = [MediaSide(controller, media_a, self), MediaSide(controller, media_b, self)]
        self.playback = Playback([s.source for s in self.sides], self)
        self.sync = ViewSync(self)
        doc = controller.document
        assert doc is not None
        medias = [doc.media(m) for m in (media_a, media_b)]
        calibrations = [doc.calibration(m, 0) for m in (media_a, media_b)]
        frames = media_frames(calibrations, [(m.width, m.height) for m in medias])
        for side, calibration in zip(self.sides, calibrations, strict=True):
            side.show_calibration(bool(calibration.spatial_regions))
        for side, frame in zip(self.sides, frames, strict=True):
            self.sync.add(side.viewer, frame)
            side.viewer.play_toggle_requested.connect(self.playback.toggle)
            self.playback.playing_changed.connect(side.viewer.set_playing)
        link_display([s.viewer for s in self.sides])
        row = QHBoxLayout()
        for side in self.sides:
            row.addWidget(side, 1)
        column = QVBoxLayout(self)
        column.addLayout(row, 1)
        column.addLayout(self._transport(frames[0].unit))

        self.playback.phase_changed.connect(self._phase_changed)
        self.playback.playing_changed.connect(self._playing_changed)
        controller.document_changed.connect(self.close)
        controller.case_event.connect(self._case_changed)
        self.setWindowTitle(" vs ".join(s.title.text() for s in self.sides) + " \u2014 compare")
        self._phase_changed(0.0)

    def _transport(self, unit: str) -> QHBoxLayout:
        style = self.style()
        self.play_button = QToolButton(self)
        self.play_button.setObjectName("compare_play")
        self.play_button.setCheckable(True)
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play or pause both (Space)")
        self.play_button.setEnabled(self.playback.can_play)
        self.play_button.clicked.connect(lambda on: self.playback.play() if on else self.playback.pause())
        back, forward = QToolButton(self), QToolButton(self)
        for button, delta, icon, tip in ((back, -1, QStyle.StandardPixmap.SP_MediaSeekBackward, "Step back (Left)"),
                                         (forward, 1, QStyle.StandardPixmap.SP_MediaSeekForward,
                                          "Step forward (Right)")):
            button.setIcon(style.standardIcon(icon))
            button.setToolTip(tip)
            button.setEnabled(self.playback.can_play)
            button.clicked.connect(lambda _c=False, d=delta: self.playback.step(d))
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("compare_scrubber")
        self.scrubber.setRange(0, SCRUB_STEPS)
        self.scrubber.setToolTip("Both clips at the same fraction of their length (0% start, 100% end)")
        self.scrubber.setEnabled(self.playback.can_play)
        self.scrubber.valueChanged.connect(lambda v: self.playback.seek(v / SCRUB_STEPS))
        self.phase_label = QLabel(self)
        self.phase_label.setMinimumWidth(48)
        speed = QComboBox(self)
        speed.setToolTip("Playback speed; the longer clip plays at its own speed at 1\u00d7")
        for s in SPEEDS:
            speed.addItem(speed_text(s), s)
        speed.setCurrentIndex(SPEEDS.index(1.0))
        speed.currentIndexChanged.connect(lambda i: self.playback.set_speed(float(speed.itemData(i))))
        bounce = QCheckBox("Bounce", self)
        bounce.setToolTip("Play forwards and backwards instead of looping")
        bounce.toggled.connect(self.playback.set_bounce)
        self.link = QCheckBox(f"Link zoom and pan ({unit})", self)
        self.link.setToolTip("Zoom or pan one side and the other follows: at the same physical scale "
                             "when both are calibrated (mm), else relative to each image's size")
        self.link.setChecked(True)
        self.link.toggled.connect(self.sync.set_enabled)
        fit = QPushButton("Fit", self)
        fit.setToolTip("Each side shows its whole image, as large as its panel allows")
        fit.clicked.connect(self.fit_all)
        same = QPushButton("Same Scale", self)
        same.setObjectName("compare_same_scale")
        same.setToolTip(f"Both whole at one scale ({unit}): sizes compare at a glance")
        same.clicked.connect(self.fit_same_scale)
        bar = QHBoxLayout()
        for w in (back, self.play_button, forward):
            bar.addWidget(w)
        bar.addWidget(self.scrubber, 1)
        for w2 in (self.phase_label, speed, bounce, self.link, fit, same):
            bar.addWidget(w2)
        return bar

    # -- reactions -------------------------------------------------------------------------
    def _phase_changed(self, phase: float) -> None:
        value = round(phase * SCRUB_STEPS)
        if self.scrubber.value() != value:
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(value)
            self.scrubber.blockSignals(False)
        self.phase_label.setText(f"{phase * 100:.0f}%")

    def _playing_changed(self, playing: bool) -> None:
        self.play_button.setChecked(playing)
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _case_changed(self, event: object) -> None:
        what, ident, change = (getattr(event, k, "") for k in ("what", "id", "change"))
        if what == "media" and change == "removed" and ident in {s.source.current_media_id for s in self.sides}:
            self.close()

    def fit_all(self) -> None:
        """Each side fitted to its own panel (a small image is not left tiny beside a big one)."""
        for side in self.sides:
            side.viewer.fit()

    def fit_same_scale(self) -> None:
        """Both whole at one shared scale (the same mm per screen pixel when both are calibrated)."""
        self.sync.fit_together()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        key = Qt.Key(event.key())
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Comma):
            self.playback.step(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Period):
            self.playback.step(1)
        elif key == Qt.Key.Key_Home:
            self.playback.pause()
            self.playback.seek(0.0)
        elif key == Qt.Key.Key_End:
            self.playback.pause()
            self.playback.seek(1.0)
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.playback.pause()
        super().closeEvent(event)


def check_media_pair(controller: AppController, media_a: str, media_b: str) -> None:
    """Raise ComparisonError unless both media are in the case, different and readable."""
    doc = controller.document
    if doc is None:
        raise ComparisonError("Open a case before comparing media")
    if media_a == media_b:
        raise ComparisonError("Choose two different media to compare side by side")
    for media_id in (media_a, media_b):
        try:
            doc.case.media_ref(media_id)
            doc.media(media_id)
        except KeyError:
            raise ComparisonError(f"The case has no media {media_id!r}") from None
        except MediaError as exc:
            raise ComparisonError(str(exc)) from None
