"""Why a comparison cannot open (the message is for the user)."""

from __future__ import annotations


class ComparisonError(ValueError):
    """A comparison that cannot be shown: no case, an unknown media, a still, a bad frame."""
