"""Editors for one typed attribute of a finding: a choice, a whole number, a word, or a value
that is typed in or linked to an annotation's measurement.

Each row shows the attribute's current value (resolved: typed, measured, derived or from the
reference table) and emits ``changed(name, AttributeValue | None)`` for the finding editor
to push as a ``SetAttribute`` command; rows never change the case themselves.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.case.findings import AttributeSpec, ResolvedValue
from annotator.case.model import AttributeValue

NUMERIC_KINDS = frozenset({"length", "area", "grey", "angle", "ratio"})
UNIT_TEXT = {"mm2": "mm²", "deg": "°", "grey": "grey", "ratio": "", "mm": "mm"}
NONE_TEXT = "—"


def describe_origin(resolved: ResolvedValue, link: AttributeValue | None, label_of: dict[str, str]) -> str:
    """Where a value comes from, for the line under it."""
    if link is not None and link.is_link:
        name = label_of.get(link.annotation or "", link.annotation or "?")
        frame = "" if link.frame is None else f", frame {link.frame}"
        where = f"measured on \u201c{name}\u201d{frame}"
        return f"{where}: {resolved.problem}" if resolved.problem else where
    if resolved.origin == "reference" and resolved.reference is not None:
        return f"from the reference table: {resolved.reference.describe()}"
    if resolved.origin == "derived":
        return "computed from the areas"
    if resolved.origin == "typed":
        return "typed in"
    return resolved.problem if resolved.problem and link is not None else ""


class AttributeRow(QWidget):
    """Base of the rows: ``show_value`` refreshes without emitting ``changed``."""

    changed = Signal(str, object)  # attribute name, AttributeValue | None

    def __init__(self, spec: AttributeSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._updating = False

    def show_value(self, stored: AttributeValue | None, resolved: ResolvedValue,
                   label_of: dict[str, str]) -> None:
        raise NotImplementedError

    def _emit(self, value: AttributeValue | None) -> None:
        if not self._updating:
            self.changed.emit(self.spec.name, value)


class ChoiceRow(AttributeRow):
    def __init__(self, spec: AttributeSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.addItem(NONE_TEXT)
        self.combo.addItems(list(spec.choices))
        self.combo.setAccessibleName(spec.label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self.combo.currentIndexChanged.connect(self._chosen)

    def _chosen(self, index: int) -> None:
        self._emit(None if index <= 0 else AttributeValue(self.combo.currentText()))

    def show_value(self, stored: AttributeValue | None, resolved: ResolvedValue,
                   label_of: dict[str, str]) -> None:
        self._updating = True
        try:
            text = str(stored.value) if stored is not None and stored.value is not None else ""
            index = self.combo.findText(text) if text else 0
            if index < 0:  # a value from a newer vocabulary: show it rather than lose it
                self.combo.addItem(text)
                index = self.combo.count() - 1
            self.combo.setCurrentIndex(index)
        finally:
            self._updating = False


class IntegerRow(AttributeRow):
    def __init__(self, spec: AttributeSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        low = int(spec.minimum if spec.minimum is not None else 0)
        high = int(spec.maximum if spec.maximum is not None else 1000)
        self.spin = QSpinBox()
        self.spin.setRange(low - 1, high)  # the value below the range means "not set"
        self.spin.setSpecialValueText(NONE_TEXT)
        self.spin.setAccessibleName(spec.label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin)
        self.spin.valueChanged.connect(self._changed)

    def _changed(self, value: int) -> None:
        self._emit(None if value < self.spin.minimum() + 1 else AttributeValue(int(value)))

    def show_value(self, stored: AttributeValue | None, resolved: ResolvedValue,
                   label_of: dict[str, str]) -> None:
        self._updating = True
        try:
            value = stored.value if stored is not None else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.spin.setValue(int(value))
            else:
                self.spin.setValue(self.spin.minimum())
        finally:
            self._updating = False


class TextRow(AttributeRow):
    def __init__(self, spec: AttributeSpec, suggestions: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit()
        self.edit.setAccessibleName(spec.label)
        self.edit.setClearButtonEnabled(True)
        if suggestions:
            completer = QCompleter(suggestions, self.edit)
            completer.setCaseSensitivity(completer.caseSensitivity().CaseInsensitive)
            self.edit.setCompleter(completer)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.edit.editingFinished.connect(self._commit)
        self._shown = ""

    def _commit(self) -> None:
        text = self.edit.text().strip()
        if text != self._shown:
            self._shown = text
            self._emit(AttributeValue(text) if text else None)

    def show_value(self, stored: AttributeValue | None, resolved: ResolvedValue,
                   label_of: dict[str, str]) -> None:
        if self.edit.hasFocus():
            return  # never overwrite what the user is typing
        self._shown = str(stored.value) if stored is not None and stored.value is not None else ""
        self.edit.setText(self._shown)


class ValueRow(AttributeRow):
    """A number typed in, or a link to the selected annotation's measurement."""

    link_requested = Signal(str)  # attribute name

    def __init__(self, spec: AttributeSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        unit = UNIT_TEXT.get(spec.unit or "", spec.unit or "")
        self.edit = QLineEdit()
        self.edit.setAccessibleName(spec.label)
        self.edit.setPlaceholderText(f"type a value{f' in {unit}' if unit else ''} or link")
        self.link_button = QToolButton()
        self.link_button.setText("Link")
        self.link_button.setToolTip("Use the measurement of the selected annotation (it stays "
                                    "up to date when the shape changes)")
        self.clear_button = QToolButton()
        self.clear_button.setText("\u2715")
        self.clear_button.setToolTip("Clear this value")
        self.origin = QLabel()
        self.origin.setEnabled(False)  # muted text
        self.origin.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.link_button)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addLayout(row)
        layout.addWidget(self.origin)
        self.origin.hide()  # shown when it has something to say: an empty line costs a row
        self.edit.editingFinished.connect(self._commit)
        self.link_button.clicked.connect(lambda: self.link_requested.emit(self.spec.name))
        self.clear_button.clicked.connect(lambda: self._emit(None))
        self._linked = False
        self._shown = ""

    def _commit(self) -> None:
        if self._linked:
            return
        text = self.edit.text().strip().replace(",", ".")
        if text == self._shown:
            return
        if not text:
            self._shown = ""
            self._emit(None)
            return
        number = text.split()[0].rstrip("m²°")  # tolerate "4.2 mm" or "11mm²"
        try:
            value = float(number)
        except ValueError:
            self._say(f"\u201c{text}\u201d is not a number")
            return
        if not math.isfinite(value) or (self.spec.minimum is not None and value < self.spec.minimum):
            self._say(f"{text} is out of range")
            return
        self._shown = text
        self._emit(AttributeValue(value, self.spec.unit))

    def _say(self, text: str) -> None:
        self.origin.setText(text)
        self.origin.setVisible(bool(text))

    def show_value(self, stored: AttributeValue | None, resolved: ResolvedValue,
                   label_of: dict[str, str]) -> None:
        self._linked = stored is not None and stored.is_link
        self.edit.setReadOnly(self._linked)  # derived and reference values can be overridden
        self.clear_button.setEnabled(stored is not None)
        self._say(describe_origin(resolved, stored, label_of))
        if self.edit.hasFocus() and not self._linked:
            return
        self._shown = resolved.display() if resolved.ok else ""
        self.edit.setText(self._shown)
        tip = f"{resolved.value!r} {resolved.unit or ''}".strip() if resolved.ok else resolved.problem
        self.edit.setToolTip(tip)

    def set_link_enabled(self, enabled: bool, why: str = "") -> None:
        self.link_button.setEnabled(enabled)
        if why:
            self.link_button.setToolTip(why)


def make_row(spec: AttributeSpec, suggestions: list[str] | None = None) -> AttributeRow:
    if spec.kind == "choice":
        return ChoiceRow(spec)
    if spec.kind == "integer":
        return IntegerRow(spec)
    if spec.kind == "text":
        return TextRow(spec, suggestions)
    return ValueRow(spec)
