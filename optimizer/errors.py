"""Typed errors. The CLI catches :class:`CorridorError` and exits 2 with its message."""

from __future__ import annotations

from dataclasses import dataclass


class CorridorError(Exception):
    """Base class for every error corridor reports to a user (no traceback)."""


@dataclass(frozen=True)
class Issue:
    """One problem found in input data: where it is and what is wrong."""

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class NetworkDataError(CorridorError, ValueError):
    """The network data directory has problems; ``issues`` lists every one."""

    def __init__(self, issues: list[Issue], directory: str = "") -> None:
        self.issues = list(issues)
        head = f"{len(self.issues)} problem(s) in network data"
        if directory:
            head += f" at {directory}"
        lines = [head + ":"] + [f"  - {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))


class InputError(CorridorError, ValueError):
    """A bad file or argument other than the network data (scenario, benchmark file, ...)."""
