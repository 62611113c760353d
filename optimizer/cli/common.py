"""What every command shares: stderr, JSON on stdout, logging, progress bars, data loading.

Errors a user can fix (bad data, bad scenario, unknown solver) exit with
code 2 and a message, never a traceback. ``--json`` puts JSON, and only
JSON, on stdout; progress, log lines and warnings go to stderr.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from optimizer.data.loader import load_network
from optimizer.data.network import Network
from optimizer.results.files import dumps

T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Argument(help="Network data directory (default: the bundled network_data/)."),
]
SolverOption = Annotated[
    str | None, typer.Option("--solver", help="highs, highspy, scip or cpsat.")
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option("--time-limit", help="Seconds per solve.", min=0.001, max=7 * 86400),
]
GapOption = Annotated[
    float | None, typer.Option("--gap", help="Relative gap to stop at.", min=0.0, max=0.999)
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write into a folder that holds other files (corridor never removes them).",
    ),
]


def err(text: str) -> None:
    """Print a line to stderr."""
    typer.echo(text, err=True)


def emit_json(data: Any) -> None:
    """Print JSON to stdout (and nothing else)."""
    sys.stdout.write(dumps(data) + "\n")
    sys.stdout.flush()


class _StderrHandler(logging.Handler):
    """Log records as ``[HH:MM:SS] message`` lines on the current stderr.

    The stream is looked up at every record, so a test runner that swaps
    ``sys.stderr`` sees the lines.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            err(f"[{stamp}] {record.getMessage()}")
        except Exception:  # pragma: no cover - never let logging break a command
            self.handleError(record)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A warning as one ``warning: ...`` line on stderr (no source line)."""
    err(f"warning: {message}")


def setup_logging(level: int = logging.INFO) -> None:
    """Send the library's log records (logger ``optimizer``) and warnings to stderr."""
    root = logging.getLogger("optimizer")
    root.handlers = [h for h in root.handlers if not isinstance(h, _StderrHandler)]
    root.addHandler(_StderrHandler())
    root.setLevel(level)
    root.propagate = False
    warnings.showwarning = _show_warning


def progress_bar(items: Iterable[T], *, total: int, label: str) -> Iterator[T]:
    """Iterate ``items`` with a progress bar on stderr (plain lines when not a terminal)."""
    console = Console(file=sys.stderr)
    if not console.is_terminal:
        started = time.perf_counter()
        for done, item in enumerate(items, start=1):
            yield item
            err(f"{label}: {done}/{total} done, {time.perf_counter() - started:.0f} s")
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


def load_network_quietly(directory: Path | None) -> Network:
    """Load a network, printing data warnings as one line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network = load_network(directory)
    for w in caught:
        err(f"warning: {w.message}")
    return network


def pairs(d: dict[str, Any], fmt: str = "{}") -> str:
    """``k=v, k=v`` for a terminal line."""
    return ", ".join(f"{k}={fmt.format(v)}" for k, v in d.items())
