"""The findings of the case: a list with a one-line summary of each, Add (tear, atrophy, nerve
enlargement, other) and Delete, and the selected finding's form below."""

from __future__ import annotations

import contextlib
import functools
import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.case.commands import AddFinding, Command, LinkAnnotation, Macro, RemoveFinding
from annotator.case.findings import Vocabulary, finding_summary
from annotator.case.model import Finding
from annotator.ui.panels.common import TYPE_TITLES, ControllerLike, Debouncer, push_safely
from annotator.ui.panels.finding_editor import FindingEditor

log = logging.getLogger(__name__)
FINDING_ROLE = Qt.ItemDataRole.UserRole
ADD_CHOICES = (("tear", "Tear"), ("atrophy", "Atrophy"), ("nerve_enlargement", "Nerve enlargement"),
               ("other", "Other finding"))


class FindingsPanel(QWidget):
    scrolls_itself = True  # the window need not wrap it in a scroll area (its fields scroll)

    def __init__(self, controller: ControllerLike, parent: QWidget | None = None,
                 vocabulary: Vocabulary | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.add_button = QToolButton()
        self.add_button.setText("Add finding")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolTip("Add a finding; the selected annotations are linked to it")
        menu = QMenu(self.add_button)
        for finding_type, text in ADD_CHOICES:
            menu.addAction(text, functools.partial(self.add_finding, finding_type))
        self.add_button.setMenu(menu)
        self.remove_button = QToolButton()
        self.remove_button.setText("Delete")
        self.remove_button.setToolTip("Delete the selected finding (its annotations stay)")
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        self.editor = FindingEditor(controller, vocabulary=vocabulary)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.list)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # scroll up and down only: the panel asks for the width the fields need
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.editor.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width())
        fields = QWidget()  # the fields scroll; the links and notes stay under them
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addWidget(scroll, 1)
        fields_layout.addWidget(self.editor.footer)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("findings_splitter")
        splitter.addWidget(top)
        splitter.addWidget(fields)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([110, 1000])  # about three findings listed; the editor gets the rest
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self.setMinimumSize(150, 200)  # a small window may clip the links rather than refuse to shrink

        self.list.currentRowChanged.connect(self._current_changed)
        self.refresh_later = Debouncer(self.refresh, 40, self)
        controller.case_event.connect(self.refresh_later)
        controller.document_changed.connect(self.refresh)
        self.refresh()

    # -- content ---------------------------------------------------------------------------
    def current_finding_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(FINDING_ROLE))

    def select_finding(self, finding_id: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(FINDING_ROLE) == finding_id:
                self.list.setCurrentRow(i)
                return

    def refresh(self) -> None:
        doc = self.controller.document
        keep = self.current_finding_id()
        self.list.blockSignals(True)
        try:
            self.list.clear()
            findings = doc.case.findings if doc is not None else []
            for f in findings:
                item = QListWidgetItem(self._summary(f))
                item.setData(FINDING_ROLE, f.id)
                item.setToolTip(f"{TYPE_TITLES.get(f.type, f.type)} {f.id}")
                self.list.addItem(item)
            ids = [f.id for f in findings]
            if keep in ids:
                self.list.setCurrentRow(ids.index(keep))
            elif ids:
                self.list.setCurrentRow(0)
        finally:
            self.list.blockSignals(False)
        self.add_button.setEnabled(doc is not None)
        self.remove_button.setEnabled(self.current_finding_id() is not None)
        self.editor.show_finding(self.current_finding_id())

    def _summary(self, finding: Finding) -> str:
        doc = self.controller.document
        assert doc is not None
        try:
            return finding_summary(doc, finding)
        except Exception as exc:  # noqa: BLE001 - one odd finding must not empty the panel
            log.warning("summary of %s failed: %s", finding.id, exc)
            return f"{TYPE_TITLES.get(finding.type, finding.type)} of {finding.structure or '?'}"

    def _current_changed(self, _row: int) -> None:
        self.remove_button.setEnabled(self.current_finding_id() is not None)
        self.editor.show_finding(self.current_finding_id())

    # -- edits -----------------------------------------------------------------------------
    def add_finding(self, finding_type: str) -> str | None:
        """Add a finding of ``finding_type``, linking the selected annotations; returns its id."""
        doc = self.controller.document
        if doc is None:
            return None
        case = doc.case
        selected = [a for a in case.annotations if a.id in set(self.controller.selection)]
        side = "none"
        media_id = selected[0].media if selected else self.controller.current_media_id
        if media_id is not None:
            with contextlib.suppress(KeyError):
                side = case.media_ref(media_id).side
        finding = Finding(case.new_id("f"), finding_type, side=side)
        commands: list[Command] = [AddFinding(finding)]
        commands += [LinkAnnotation(a.id, finding.id) for a in selected]
        command = commands[0] if len(commands) == 1 else Macro("Add finding", commands)
        if not push_safely(self.controller, command, "Add finding"):
            return None
        self.refresh_later.flush()
        self.refresh()
        self.select_finding(finding.id)
        return finding.id

    def remove_current(self) -> None:
        finding_id = self.current_finding_id()
        if finding_id is not None:
            push_safely(self.controller, RemoveFinding(finding_id), "Delete finding")
