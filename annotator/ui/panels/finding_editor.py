"""The form of one finding: structure, side, site, typed attributes, linked annotations, notes,
and for a nerve the measured CSA against the reference upper limit of normal.

Every edit becomes a command pushed through the controller; the form is refreshed from the
case after each change (values update in place; the form is rebuilt only when the finding or
its type changes, so nothing the user is typing is lost).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.case.commands import ChangeFinding, Command, LinkAnnotation, Macro, SetAttribute
from annotator.case.document import CaseDocument
from annotator.case.findings import (
    Vocabulary,
    attribute_spec,
    attribute_specs,
    finding_verdict,
    load_vocabulary,
    resolve_attribute,
)
from annotator.case.kinds import display_name, kind_spec
from annotator.case.model import FINDING_SIDES, AttributeValue, Finding
from annotator.case.wording import first_upper
from annotator.ui.panels.attribute_rows import AttributeRow, ValueRow, make_row
from annotator.ui.panels.common import (
    TYPE_TITLES,
    AskFn,
    ControllerLike,
    ask_yes_no,
    go_to_annotation,
    push_safely,
)
from annotator.ui.panels.link_checks import (
    link_quantity,
    link_unit,
    measurement_for_link,
    phase_link_frame,
    unit_fits,
    unit_question,
)

ANNOTATION_ROLE = Qt.ItemDataRole.UserRole
#: attributes that repeat a field of the form (a nerve's name and site): not shown as rows,
#: and cleared when the field is edited so they never silently disagree with it
SHADOWING_ATTRIBUTES = {"nerve_enlargement": {"structure": "nerve", "site": "site"}}
#: the numeric tear grade of older cases: the Grade field (a published grading) replaces it
REPLACED_ATTRIBUTES = {"tear": {"grade"}}
ABOVE_STYLE = "QLabel { background: #8b1e1e; color: white; padding: 4px; border-radius: 3px; }"
WITHIN_STYLE = "QLabel { background: #1f5f35; color: white; padding: 4px; border-radius: 3px; }"


@dataclass(frozen=True)
class Comparison:
    """A nerve's measured CSA against its reference upper limit of normal."""

    status: str  # "above", "within" or "unknown"
    text: str


def nerve_comparison(document: CaseDocument, finding: Finding) -> Comparison:
    """The finding's measured verdict (``finding_verdict``, the words every export uses) as the
    panel shows it: a nerve against its reference, atrophy against the other side."""
    verdict = finding_verdict(document, finding)
    sides = "\n".join(c.text() for c in verdict.comparisons)
    if finding.type == "atrophy":
        if not verdict.comparisons:
            return Comparison("unknown", "Side to side: link or type the same value on the other side "
                              "(thickness, CSA or echo intensity) to compare.")
        return Comparison("compared", "Side to side:\n" + sides)
    csa = resolve_attribute(document, finding, "csa")
    if verdict.status == "incomplete" or not csa.ok:
        return Comparison("unknown", "No CSA yet: trace the nerve inside its bright rim and link "
                          "the trace to Cross-sectional area.")
    if verdict.status == "uncalibrated":
        return Comparison("unknown", f"CSA {csa.display()} is in {csa.unit}: it cannot be compared "
                          "with the reference in mm² (calibrate the image).")
    if verdict.status == "no_reference":
        detail = f" ({verdict.detail})" if verdict.detail else ""
        other = f"\n{sides}" if sides else "; compare with the other side."
        return Comparison("unknown", f"CSA {csa.display()}: {verdict.text}{detail}{other}")
    uln = resolve_attribute(document, finding, "reference_uln")
    # "enlarged" says its percent in words; "within" shows how far below the limit
    percent = f" ({verdict.percent:+.0f}%)" if verdict.percent is not None and verdict.status == "within" else ""
    source = f"\nReference: {verdict.detail}" if verdict.detail else ""
    words = first_upper(verdict.text)
    mark = "\u25b2" if verdict.status == "enlarged" else "\u2713"
    status = "above" if verdict.status == "enlarged" else "within"
    return Comparison(status, f"{mark} {words}: CSA {csa.display()} vs upper limit {uln.display()}{percent}{source}"
                      + (f"\n{sides}" if sides else ""))


class NotesEdit(QPlainTextEdit):
    """Plain text that reports when the user leaves it (one command per edit, not per key)."""

    editing_finished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.editing_finished.emit()


class FindingEditor(QWidget):
    def __init__(self, controller: ControllerLike, parent: QWidget | None = None,
                 vocabulary: Vocabulary | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
        self.finding_id: str | None = None
        self._type: str | None = None
        self.rows: dict[str, AttributeRow] = {}
        self.ask: AskFn = ask_yes_no  # tests answer instead of a user

        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.structure = QComboBox()
        self.structure.setEditable(True)
        self.structure.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.structure.setAccessibleName("structure")
        self.side = QComboBox()
        self.side.addItems(list(FINDING_SIDES))
        self.site = QComboBox()
        self.site.setEditable(True)
        self.site.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.site.setAccessibleName("site")
        head = QFormLayout()
        head.addRow("Structure:", self.structure)
        head.addRow("Side:", self.side)
        head.addRow("Site:", self.site)
        # a grade from a published grading, with the grading's source shown under it
        self.grade = QComboBox()
        self.grade.setAccessibleName("grade")
        self.grade.addItem("not graded", "")
        for stored, shown in self.vocabulary.grade_choices():
            self.grade.addItem(shown, stored)
        # a grade's name runs to 73 characters (BAMIC): sized to it, the combo made the form
        # 555 px wide and the Findings dock cut every field at its edge. The combo shows what
        # fits (its tooltip the whole name); its list opens as wide as the longest name
        self.grade.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.grade.setMinimumContentsLength(18)
        self.grade.view().setMinimumWidth(self.grade.view().sizeHintForColumn(0) + 24)
        self.grade.currentTextChanged.connect(self.grade.setToolTip)  # (_show_grade sets it too)
        self.grade_source = QLabel()
        self.grade_source.setWordWrap(True)
        self.grade_label = QLabel("Grade:")
        head.addRow(self.grade_label, self.grade)
        head.addRow("", self.grade_source)

        self.attributes_box = QGroupBox("Measurements and grading")
        self.attributes_form = QFormLayout(self.attributes_box)
        self.comparison = QLabel()
        self.comparison.setWordWrap(True)
        self.comparison.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.linked = QListWidget()
        self.linked.setMaximumHeight(86)  # four rows; the list scrolls beyond
        self.link_button = QPushButton("Link selected")
        self.link_button.setToolTip("Attach the annotations selected in the viewer to this finding")
        self.unlink_button = QPushButton("Unlink")
        links_buttons = QHBoxLayout()
        links_buttons.addWidget(self.link_button)
        links_buttons.addWidget(self.unlink_button)
        links_buttons.addStretch(1)
        links_box = QGroupBox("Linked annotations")
        links_layout = QVBoxLayout(links_box)
        links_layout.addWidget(self.linked)
        links_layout.addLayout(links_buttons)

        self.notes = NotesEdit()
        self.notes.setPlaceholderText("Notes")
        self.notes.setMaximumHeight(64)
        # the links and notes sit under the scrolling fields (the panel places ``footer``), so
        # Link selected, Unlink and Notes stay in view however many fields a finding has
        self.footer = QWidget()
        self.footer.setObjectName("finding_footer")
        footer_layout = QVBoxLayout(self.footer)
        footer_layout.setContentsMargins(0, 0, 0, 0)
        footer_layout.addWidget(links_box)
        footer_layout.addWidget(self.notes)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(head)
        layout.addWidget(self.attributes_box)
        layout.addWidget(self.comparison)
        layout.addStretch(1)

        self.structure.activated.connect(lambda _i: self._commit_field("structure", self.structure.currentText()))
        line = self.structure.lineEdit()
        if line is not None:
            line.editingFinished.connect(lambda: self._commit_field("structure", self.structure.currentText()))
        self.side.activated.connect(lambda _i: self._commit_field("side", self.side.currentText()))
        self.site.activated.connect(lambda _i: self._commit_field("site", self.site.currentText()))
        self.grade.activated.connect(self._grade_chosen)
        site_line = self.site.lineEdit()
        if site_line is not None:
            site_line.editingFinished.connect(lambda: self._commit_field("site", self.site.currentText()))
        self.notes.editing_finished.connect(lambda: self._commit_field("notes", self.notes.toPlainText()))
        self.link_button.clicked.connect(self.link_selected)
        self.unlink_button.clicked.connect(self.unlink_current)
        self.linked.itemActivated.connect(self._go_to_linked)
        self.linked.itemClicked.connect(self._go_to_linked)
        self.linked.currentRowChanged.connect(lambda _r: self._update_buttons())
        controller.selection_changed.connect(lambda _ids: self._update_buttons())
        self._set_editing(False)

    def _set_editing(self, on: bool) -> None:
        self.setEnabled(on)
        self.footer.setEnabled(on)

    # -- what is shown ---------------------------------------------------------------------
    def finding(self) -> Finding | None:
        doc = self.controller.document
        if doc is None or self.finding_id is None:
            return None
        try:
            return doc.case.finding(self.finding_id)
        except KeyError:
            return None

    def show_finding(self, finding_id: str | None) -> None:
        self.finding_id = finding_id
        self.refresh()

    def refresh(self) -> None:
        finding = self.finding()
        doc = self.controller.document
        self._set_editing(finding is not None)
        if finding is None or doc is None:
            self._clear()
            return
        if finding.type != self._type:
            self._build_rows(finding.type)
        self.title.setText(f"{TYPE_TITLES.get(finding.type, finding.type)} ({finding.id})")
        self._set_combo(self.structure, self._structure_choices(finding.type), finding.structure)
        self.side.setCurrentText(finding.side)
        self._set_combo(self.site, self._site_choices(finding), finding.site)
        labels = {a.id: a.label or a.id for a in doc.case.annotations}
        for name, row in self.rows.items():
            row.show_value(finding.attributes.get(name), resolve_attribute(doc, finding, name), labels)
        self._show_grade(finding)
        if finding.type in ("nerve_enlargement", "atrophy"):
            result = nerve_comparison(doc, finding)
            self.comparison.setText(result.text)
            self.comparison.setStyleSheet({"above": ABOVE_STYLE, "within": WITHIN_STYLE}.get(result.status, ""))
            self.comparison.setProperty("status", result.status)
            self.comparison.show()
        else:
            self.comparison.hide()
        self._show_links(finding)
        if not self.notes.hasFocus() and self.notes.toPlainText() != finding.notes:
            self.notes.setPlainText(finding.notes)
        self._update_buttons()

    def _grade_chosen(self, _index: int) -> None:
        self._commit_field("grade", str(self.grade.currentData()))

    def _show_grade(self, finding: Finding) -> None:
        graded = finding.type == "tear"
        for widget in (self.grade_label, self.grade, self.grade_source):
            widget.setHidden(not graded)
        if not graded:
            return
        self.grade.blockSignals(True)
        try:
            index = self.grade.findData(finding.grade)
            if index < 0:  # a grade typed in a file, not from the vocabulary: keep and show it
                self.grade.addItem(finding.grade, finding.grade)
                index = self.grade.count() - 1
            self.grade.setCurrentIndex(index)
        finally:
            self.grade.blockSignals(False)
        self.grade.setToolTip(self.grade.currentText())  # the whole name, where the list cuts it
        grading, _meaning = self.vocabulary.describe_grade(finding.grade)
        self.grade_source.setText(f"{grading.title}: {grading.source}" if grading is not None else "")

    def _clear(self) -> None:
        """Nothing selected: empty every field, so no value of a closed case lingers."""
        self.title.setText("No finding selected")
        self._build_rows(None)
        blockers = [QSignalBlocker(w) for w in (self.structure, self.site, self.side, self.notes)]
        for combo in (self.structure, self.site):
            combo.clear()
            combo.setEditText("")
        self.side.setCurrentIndex(-1)
        self.notes.clear()
        del blockers
        self.comparison.hide()
        self.linked.clear()

    def _build_rows(self, finding_type: str | None) -> None:
        self._type = finding_type
        while self.attributes_form.rowCount():
            self.attributes_form.removeRow(0)
        self.rows = {}
        shadowing = set(SHADOWING_ATTRIBUTES.get(finding_type or "", {}).values())
        shadowing |= REPLACED_ATTRIBUTES.get(finding_type or "", set())
        specs = [s for s in attribute_specs(finding_type) if s.name not in shadowing] if finding_type else []
        for spec in specs:
            suggestions = None
            if spec.name == "nerve":
                suggestions = list(self.vocabulary.nerves)
            elif spec.name == "site" and finding_type == "nerve_enlargement":
                suggestions = sorted({s for sites in self.vocabulary.nerves.values() for s in sites})
            row = make_row(spec, suggestions)
            row.changed.connect(self._set_attribute)
            if isinstance(row, ValueRow):
                row.link_requested.connect(self.link_attribute)
            self.attributes_form.addRow(f"{spec.label}:", row)
            self.rows[spec.name] = row
        self.attributes_box.setVisible(bool(specs))

    def _structure_choices(self, finding_type: str) -> list[str]:
        if finding_type == "nerve_enlargement":
            return [f"{n} nerve" for n in self.vocabulary.nerves]
        if finding_type in ("tear", "atrophy"):
            return list(self.vocabulary.muscles)
        return self.vocabulary.structures

    def _site_choices(self, finding: Finding) -> list[str]:
        if finding.type == "nerve_enlargement":
            return self.vocabulary.sites_for(finding.structure)
        return list(self.vocabulary.tear_sites) if finding.type in ("tear", "atrophy") else []

    @staticmethod
    def _set_combo(combo: QComboBox, items: list[str], text: str) -> None:
        if combo.hasFocus():
            return
        combo.blockSignals(True)
        try:
            if [combo.itemText(i) for i in range(combo.count())] != items:
                combo.clear()
                combo.addItems(items)
            combo.setEditText(text)
        finally:
            combo.blockSignals(False)

    def _show_links(self, finding: Finding) -> None:
        doc = self.controller.document
        assert doc is not None
        current = self.linked.currentItem()
        keep = current.data(ANNOTATION_ROLE) if current is not None else None
        self.linked.clear()
        for a in doc.case.annotations:
            if a.finding != finding.id:
                continue
            frames = f"frames {a.frame}\u2013{a.last_frame}" if a.is_dynamic else f"frame {a.frame}"
            item = QListWidgetItem(f"{a.label or a.id} ({display_name(a.kind)}, {a.media}, {frames})")
            item.setData(ANNOTATION_ROLE, a.id)
            self.linked.addItem(item)
            if a.id == keep:
                self.linked.setCurrentItem(item)

    def _update_buttons(self) -> None:
        finding = self.finding()
        selected = list(self.controller.selection)
        self.link_button.setEnabled(finding is not None and bool(selected))
        self.unlink_button.setEnabled(self.linked.currentItem() is not None)
        for name, row in self.rows.items():
            if isinstance(row, ValueRow) and finding is not None:
                ok, why = self._linkable(finding, name)
                row.set_link_enabled(ok, why)

    # -- edits -----------------------------------------------------------------------------
    def _push(self, command: Command, what: str) -> None:
        if push_safely(self.controller, command, what):
            self.refresh()  # show derived values now, not after the debounced panel refresh

    def _commit_field(self, name: str, value: str) -> None:
        finding = self.finding()
        if finding is None:
            return
        value = value.strip() if name != "notes" else value
        if getattr(finding, name) == value:
            return
        commands: list[Command] = [ChangeFinding(finding.id, **{name: value})]
        shadow = SHADOWING_ATTRIBUTES.get(finding.type, {}).get(name)
        if shadow is not None and shadow in finding.attributes:
            commands.append(SetAttribute(finding.id, shadow, None))
        command = commands[0] if len(commands) == 1 else Macro(f"Change {name}", commands)
        self._push(command, f"Change {name}")

    def _set_attribute(self, name: str, value: AttributeValue | None) -> None:
        finding = self.finding()
        if finding is None:
            return
        if value is None and name not in finding.attributes:
            return
        self._push(SetAttribute(finding.id, name, value), f"Set {name}")

    def _linkable(self, finding: Finding, name: str) -> tuple[bool, str]:
        doc = self.controller.document
        spec = attribute_spec(finding.type, name)
        if doc is None or spec is None or spec.quantity is None:
            return False, "This value is computed or typed, not measured"
        if len(self.controller.selection) != 1:
            return False, "Select one annotation in the viewer to link its measurement"
        try:
            annotation = doc.case.annotation(self.controller.selection[0])
        except KeyError:
            return False, "The selected annotation is gone"
        kind = kind_spec(annotation.kind)
        if kind is None or link_quantity(annotation.kind, spec.quantity) not in kind.link_quantities:
            return False, f"A {display_name(annotation.kind)} gives no {spec.quantity.replace('_', ' ')}"
        return True, f"Use the {spec.quantity.replace('_', ' ')} of \u201c{annotation.label or annotation.id}\u201d"

    def link_attribute(self, name: str) -> None:
        """Link attribute ``name`` to the selected annotation's measurement and attach the
        annotation to the finding. On a dynamic annotation a rest or contraction value takes
        the annotation's rest or peak frame (chosen now from its series when it has none),
        never the frame on screen; other values take the current frame."""
        finding = self.finding()
        doc = self.controller.document
        if finding is None or doc is None:
            return
        ok, why = self._linkable(finding, name)
        if not ok:
            self.controller.error.emit("Cannot link", why)
            return
        spec = attribute_spec(finding.type, name)
        assert spec is not None
        annotation = doc.case.annotation(self.controller.selection[0])
        quantity = link_quantity(annotation.kind, spec.quantity)
        commands: list[Command] = []
        if annotation.is_dynamic and spec.phase is not None:
            frame = None  # the link follows the annotation's rest or peak frame
            measure_at, choose = phase_link_frame(doc, annotation, spec.phase)
            if measure_at is None:
                self.controller.error.emit("Cannot link", f"{annotation.label or annotation.id} has no "
                                           f"{spec.phase} frame with a value: track it through the clip first")
                return
            if choose is not None:
                commands.append(choose)
        else:
            frame = self.controller.current_frame if annotation.is_dynamic else None
            if frame is not None and not annotation.on_frame(frame):
                frame = annotation.frame
            measure_at = frame
        measured = measurement_for_link(doc, annotation, measure_at, spec, quantity)
        if (measured is not None and not unit_fits(measured, spec)
                and not self.ask(self, "Link an uncalibrated measurement",
                                 unit_question(annotation, measured, spec), "Link anyway")):
            return
        unit = link_unit(measured, spec)  # never "mm" beside a value in pixels
        value = AttributeValue(unit=unit, annotation=annotation.id, quantity=quantity, frame=frame)
        commands.append(SetAttribute(finding.id, name, value))
        if annotation.finding != finding.id:
            commands.append(LinkAnnotation(annotation.id, finding.id))
        self._push(Macro(f"Link {spec.label.lower()}", commands), f"Link {spec.label.lower()}")

    def link_selected(self) -> None:
        finding = self.finding()
        doc = self.controller.document
        if finding is None or doc is None:
            return
        ids = [i for i in self.controller.selection
               if any(a.id == i and a.finding != finding.id for a in doc.case.annotations)]
        if ids:
            self._push(Macro("Link to finding", [LinkAnnotation(i, finding.id) for i in ids]), "Link to finding")

    def unlink_current(self) -> None:
        item = self.linked.currentItem()
        if item is not None:
            self._push(LinkAnnotation(str(item.data(ANNOTATION_ROLE)), None), "Unlink")

    def _go_to_linked(self, item: QListWidgetItem) -> None:
        doc = self.controller.document
        if doc is None:
            return
        try:
            annotation = doc.case.annotation(str(item.data(ANNOTATION_ROLE)))
        except KeyError:
            return
        go_to_annotation(self.controller, annotation)
