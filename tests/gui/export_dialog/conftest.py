"""Fixtures of the export dialog tests (the generated case and an open dialog)."""

from export_dialog_case import controller, errors, open_dialog

__all__ = ["controller", "errors", "open_dialog"]
