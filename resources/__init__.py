"""Bundled data: demo case, vocabularies, reference tables, JSON Schema, icons (read with importlib.resources)."""
