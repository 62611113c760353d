"""Typed errors. The CLI catches :class:`CorridorError` and exits 2 with its message.

Every error a user can fix says where the problem is: ``file``, ``row`` and
``field`` (a column, or a key path such as ``changes[1].scale_rates.factor``)
are attributes as well as part of the message, so the API can answer 422
with the field and the app can point at it, without parsing the text.
"""

from __future__ import annotations

from dataclasses import dataclass


class CorridorError(Exception):
    """Base class for every error corridor reports to a user (no traceback).

    Parameters
    ----------
    message
        The whole message, already naming the place.
    file, row, field
        Where the problem is, when it is in an input (``None`` when not known).
    """

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.field = field


@dataclass(frozen=True)
class Issue:
    """One problem found in input data: where it is and what is wrong."""

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"
    #: what ``field`` is called in the message (a workbook's issues say "column")
    label: str = "field"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", {self.label} '{self.field}'"
        return f"{where}: {self.message}"


class NetworkDataError(CorridorError, ValueError):
    """The network data directory has problems; ``issues`` lists every one.

    ``file``, ``row`` and ``field`` are those of the first issue.
    """

    def __init__(self, issues: list[Issue], directory: str = "") -> None:
        self.issues = list(issues)
        head = f"{len(self.issues)} problem(s) in network data"
        if directory:
            head += f" at {directory}"
        lines = [head + ":"] + [f"  - {issue}" for issue in self.issues]
        first = self.issues[0] if self.issues else None
        super().__init__(
            "\n".join(lines),
            file=first.file if first else None,
            row=first.row if first else None,
            field=first.field if first else None,
        )


class InputError(CorridorError, ValueError):
    """A bad file or argument other than the network data (scenario, benchmark file, ...)."""
