"""What the user does to one annotation in the viewer: its right-click menu (edit label, show
value or label, link to a finding, keyframes, hide, delete) and editing its label or words
(double click, F2) as one undoable command. The menu reuses the table's actions where one
exists, so each entry stays enabled exactly when its menu-bar twin is.

``AnnotationMenu`` is owned by the window; ``edit_words`` and ``hide_annotations`` also serve
Edit > Edit Label and View > Hide Selected."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from annotator.case.commands import AddFinding, ChangeAnnotation, LinkAnnotation, Macro
from annotator.case.findings import finding_summary
from annotator.case.kinds import kind_spec
from annotator.case.measure import PRIMARY_QUANTITY
from annotator.case.model import FINDING_TYPES, Annotation, Finding
from annotator.ui import prompts
from annotator.ui.compare.titles import kind_name
from annotator.ui.controller import AppController
from annotator.ui.panels.finding_editor import TYPE_TITLES

log = logging.getLogger(__name__)


def _annotation(controller: AppController, annotation_id: str) -> Annotation | None:
    doc = controller.document
    if doc is None:
        return None
    try:
        return doc.case.annotation(annotation_id)
    except KeyError:
        return None


def _is_text(annotation: Annotation) -> bool:
    """A text annotation's words are what it shows: edited as text, never hidden as a label."""
    spec = kind_spec(annotation.kind)
    return spec is not None and spec.is_text


def describe(annotation: Annotation) -> str:
    """"Caliper \u201cgap\u201d" or "Text \u201cVL\u201d": the menu's heading."""
    name = kind_name(annotation.kind).capitalize()
    words = annotation.label or (annotation.text.splitlines()[0] if annotation.text else "")
    return f"{name} \u201c{words}\u201d" if words else f"{name} {annotation.id}"


def edit_words(parent: QWidget, controller: AppController, status: Callable[[str, int], None],
               annotation_id: str | None = None) -> bool:
    """Ask for the label of an annotation (default: the one selected), or for the words of a
    text annotation, and change them in one undo step. True when something changed."""
    c = controller
    if annotation_id is None:
        if len(c.selection) != 1:
            status("Select one annotation to edit its label", 4000)
            return False
        annotation_id = c.selection[0]
    annotation = _annotation(c, annotation_id)
    if annotation is None:
        return False
    if _is_text(annotation):
        old = annotation.text or annotation.label
        answer = prompts.ask_lines(parent, "Text", "Words on the image:", old)
        if answer is None or answer.strip() == old:
            return False
        if not answer.strip():
            status("A text annotation needs words: delete it to remove it", 5000)
            return False
        c.push(ChangeAnnotation(annotation.id, text=answer.strip()))
        return True
    answer = prompts.ask_text(parent, "Label", f"Label of the {kind_name(annotation.kind)}:", annotation.label)
    if answer is None or answer.strip() == annotation.label:
        return False
    c.push(ChangeAnnotation(annotation.id, label=answer.strip()))
    return True


def hide_annotations(controller: AppController, ids: list[str]) -> None:
    """Hide on screen (display only) and drop them from the selection, so no key acts on
    something the user cannot see."""
    controller.visibility.hide(ids)
    controller.select([i for i in controller.selection if i not in set(ids)])


class AnnotationMenu:
    """The viewer's right-click menu and double-click editing. ``actions``: the window's
    actions by id (the menu reuses them); ``parent``: the menus' and dialogs' parent."""

    def __init__(self, parent: QWidget, controller: AppController, actions: Mapping[str, QAction],
                 status: Callable[[str, int], None]) -> None:
        self.parent, self.controller, self.actions, self.status = parent, controller, actions, status

    def edit_words(self, annotation_id: str | None = None) -> bool:
        return edit_words(self.parent, self.controller, self.status, annotation_id)

    def finding_title(self, finding: Finding) -> str:
        doc = self.controller.document
        try:
            return finding_summary(doc, finding) if doc is not None else finding.id
        except Exception as exc:  # noqa: BLE001 - one odd finding must not take the menu down
            log.warning("summary of %s failed: %s", finding.id, exc)
            return f"{TYPE_TITLES.get(finding.type, finding.type)} {finding.id}"

    def link_to_new_finding(self, annotation_id: str, finding_type: str) -> None:
        """A new finding of ``finding_type`` with the annotation linked: one undo step."""
        c = self.controller
        doc = c.document
        annotation = _annotation(c, annotation_id)
        if doc is None or annotation is None:
            return
        side = next((m.side for m in doc.case.media if m.id == annotation.media), "none")
        finding = Finding(doc.case.new_id("f"), finding_type, side=side)
        c.push(Macro("Add finding", [AddFinding(finding), LinkAnnotation(annotation_id, finding.id)]))

    def _finding_menu(self, menu: QMenu, annotation: Annotation) -> None:
        doc = self.controller.document
        sub = menu.addMenu("Link to &Finding")
        sub.setObjectName("menu_link_finding")
        findings = doc.case.findings if doc is not None else []
        for f in findings:
            action = sub.addAction(self.finding_title(f))
            action.setCheckable(True)
            action.setChecked(annotation.finding == f.id)
            action.triggered.connect(lambda _c=False, fid=f.id: self._link(annotation.id, fid))
        none = sub.addAction("Not Linked")
        none.setCheckable(True)
        none.setChecked(annotation.finding is None)
        none.triggered.connect(lambda _c=False: self._link(annotation.id, None))
        sub.addSeparator()
        new = sub.addMenu("&New Finding")
        for finding_type in FINDING_TYPES:
            action = new.addAction(TYPE_TITLES.get(finding_type, finding_type))
            action.triggered.connect(lambda _c=False, t=finding_type: self.link_to_new_finding(annotation.id, t))

    def _link(self, annotation_id: str, finding_id: str | None) -> None:
        annotation = _annotation(self.controller, annotation_id)
        if annotation is not None and annotation.finding != finding_id:
            self.controller.push(LinkAnnotation(annotation_id, finding_id))

    def _set_style(self, annotation_id: str, show_label: bool | None = None, show_value: bool | None = None) -> None:
        annotation = _annotation(self.controller, annotation_id)
        if annotation is None:
            return
        style = annotation.style
        style = replace(style, show_label=style.show_label if show_label is None else show_label,
                        show_value=style.show_value if show_value is None else show_value)
        self.controller.push(ChangeAnnotation(annotation_id, style=style))

    def _keyframe_menu(self, menu: QMenu, annotation: Annotation) -> None:
        c = self.controller
        if annotation.is_dynamic:
            media = c.current_media()
            jump = menu.addMenu("&Go to Keyframe")
            jump.setObjectName("menu_keyframes")
            for frame in sorted(annotation.keyframes):
                time = f", {media.time_ms(frame) / 1000:.2f} s" if media is not None else ""
                action = jump.addAction(f"Frame {frame}{time}")
                action.triggered.connect(lambda _c=False, f=frame: c.set_current_frame(f))
                action.setEnabled(frame != c.current_frame)
        for action_id in ("make_keyframe", "delete_keyframe", "make_dynamic", "track_forward"):
            menu.addAction(self.actions[action_id])

    def build(self, annotation_id: str) -> QMenu:
        """The menu for the annotation (or, for "", for the image: selection, display, compare)."""
        a = self.actions
        menu = QMenu(self.parent)
        menu.setObjectName("viewer_context_menu")
        annotation = _annotation(self.controller, annotation_id) if annotation_id else None
        if annotation is None:
            for action_id in ("select_all", "show_hidden", "show_annotations", None, "zoom_fit", "zoom_actual",
                              "reset_display", None, "compare_rest_peak", "compare_media"):
                if action_id is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a[action_id])
            return menu
        heading = menu.addAction(describe(annotation))
        heading.setEnabled(False)
        menu.addSeparator()
        edit = "Edit &Text\u2026" if _is_text(annotation) else "Edit &Label\u2026"
        menu.addAction(edit, lambda: self.edit_words(annotation.id)).setObjectName("menu_edit_words")
        if not _is_text(annotation):
            shown = menu.addAction("Show La&bel")
            shown.setCheckable(True)
            shown.setChecked(annotation.style.show_label)
            shown.setEnabled(bool(annotation.label))
            shown.triggered.connect(lambda on: self._set_style(annotation.id, show_label=on))
        if annotation.kind in PRIMARY_QUANTITY:
            value = menu.addAction("Show &Value")
            value.setCheckable(True)
            value.setChecked(annotation.style.show_value)
            value.triggered.connect(lambda on: self._set_style(annotation.id, show_value=on))
        self._finding_menu(menu, annotation)
        menu.addSeparator()
        self._keyframe_menu(menu, annotation)
        menu.addSeparator()
        menu.addAction("&Hide", lambda: hide_annotations(self.controller, [annotation.id])).setObjectName("menu_hide")
        menu.addAction(a["delete"])
        return menu

    def popup(self, annotation_id: str, global_pos: QPoint) -> QMenu:
        """Show the menu without blocking (it deletes itself once closed)."""
        menu = self.build(annotation_id)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        menu.popup(global_pos)
        return menu
