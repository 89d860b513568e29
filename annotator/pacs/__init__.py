"""PACS access without Qt: a DICOMweb client (QIDO-RS, WADO-RS, STOW-RS) on the standard
library, named server settings with passwords in the OS keyring, and study download into a case.

May import media and case; never Qt (checked by import-linter)."""
