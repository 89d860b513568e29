"""Small helpers for the words the app writes (captions, slides, reports, messages)."""

from __future__ import annotations


def first_upper(text: str) -> str:
    """``text`` with its first character a capital and the rest as it is ("medial gastrocnemius
    (right): ..." -> "Medial gastrocnemius (right): ..."; str.capitalize would lower "CSA")."""
    return text[:1].upper() + text[1:]
