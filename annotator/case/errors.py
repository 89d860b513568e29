"""Errors of the case file: each names the file, where in it (a JSON path) and the problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issue:
    """One problem in a case file: where (a JSON path such as ``annotations[2].points``)
    and what."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" if self.where else self.problem


class CaseError(Exception):
    """A case file that cannot be read or written. ``issues`` lists every problem found;
    the message shows the file and the first one (and how many more)."""

    def __init__(self, path: str | Path | None, issues: str | Issue | Sequence[Issue]) -> None:
        if isinstance(issues, str):
            issues = [Issue("", issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.path = None if path is None else Path(path)
        self.issues: list[Issue] = list(issues) or [Issue("", "invalid case")]
        first = str(self.issues[0])
        more = len(self.issues) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(f"{self.path}: {first}" if self.path is not None else first)

    def lines(self) -> list[str]:
        """Every problem, one per line, each naming the file."""
        prefix = f"{self.path}: " if self.path is not None else ""
        return [prefix + str(issue) for issue in self.issues]
