"""The case: media references, annotations, findings, measurements, edit commands and the
case file (no Qt). Import from the modules: ``model``, ``measure``, ``commands``, ``io``,
``document``, ``findings`` (see docs/design.md and docs/case-format.md)."""
