"""A network data directory as one Excel workbook, and back: ``corridor network export|import``.

A planner edits demand or rates in a spreadsheet, then runs it. The workbook
holds one sheet per data file (``nodes``, ``services``, ``warehouses``, ...,
``provenance``), its first row the file's header, then one row per data row,
so that a sheet's row numbers are those of the CSV file (the header is row
1). Numbers are written as numbers (a cell that would not read back to the
same text stays text), everything else as text; a first sheet ``about`` says
where the workbook comes from and how to read it back. ``geometry.geojson``
(the drawn lines) is not tabular and stays out; an imported directory draws
its services as straight lines unless ``geometry`` names a file to copy.

Import checks the whole workbook before anything is written: the sheets are
turned into CSV files in a temporary directory and validated by the loader
exactly like a data directory; every problem comes back naming the workbook,
the sheet, the row and the column (exit code 2), and the target directory is
left untouched. A valid workbook is written into the target through
:class:`~optimizer.results.folders.OutputFolder` (a new or empty directory,
or one an earlier import wrote; never a folder with other files).

The workbook itself is written atomically, and an existing file is replaced
only when corridor wrote it (its document properties say so).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from optimizer.data.loader import validate_network_dir
from optimizer.data.provenance import PROVENANCE_FILE
from optimizer.data.schema import OPTIONAL_TABLES, TABLES
from optimizer.errors import InputError, Issue, NetworkDataError
from optimizer.results.atomic import write_bytes_atomic
from optimizer.results.folders import OutputFolder
from optimizer.version import __version__

#: The sheets of a workbook, in order: the data files the loader reads.
SHEETS: tuple[str, ...] = (*TABLES, *OPTIONAL_TABLES, PROVENANCE_FILE.removesuffix(".csv"))
#: The sheet that describes the workbook (not a data file).
ABOUT = "about"
#: Document property that marks a workbook as corridor's.
CREATOR = "corridor"
KEYWORDS = "corridor network data"
#: A cell text that is written as a number (and read back to the same text).
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")


def _cell(text: str) -> str | int | float:
    """A CSV cell as the value of a spreadsheet cell (a number only if it reads back the same)."""
    if _NUMBER.match(text):
        value: int | float = int(text) if "." not in text else float(text)
        if _text(value) == text:
            return value
    return text


def _text(value: object) -> str:
    """A spreadsheet cell's value as CSV text (``None`` is an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


#: What openpyxl raises on a file that is no workbook it can read.
_UNREADABLE = (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError)


def _open(path: Path, **options: bool) -> Any:
    """A workbook, read only (openpyxl's warnings about styles and extensions silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_workbook(path, read_only=True, **options)


def stamp(book: Any, keywords: str = KEYWORDS) -> None:
    """Mark a workbook as corridor's (document properties ``creator`` and ``keywords``)."""
    book.properties.creator = CREATOR
    book.properties.keywords = keywords


def is_ours(path: Path, keywords: str = KEYWORDS) -> bool:
    """Whether ``path`` is a workbook corridor wrote with these ``keywords`` (:func:`stamp`)."""
    try:
        book = _open(path)
    except _UNREADABLE:
        return False
    props = book.properties
    ours = props.creator == CREATOR and props.keywords == keywords
    book.close()
    return bool(ours)


def export_workbook(directory: str | Path, target: str | Path) -> Path:
    """Write the data files of ``directory`` into the workbook ``target`` (see the module).

    Raises
    ------
    InputError
        When the directory has no data file, or ``target`` is a file corridor did not write.
    """
    out = Path(target)
    if out.suffix.lower() != ".xlsx":
        msg = f"{out}: the workbook must be an .xlsx file"
        raise InputError(msg, file=str(out))
    if out.exists() and not (out.is_file() and is_ours(out)):
        msg = (
            f"{out} exists and corridor did not write it: corridor does not replace it; "
            "give another file name"
        )
        raise InputError(msg, file=str(out))
    return write_bytes_atomic(out, workbook_bytes(directory))


def workbook_bytes(directory: str | Path) -> bytes:
    """The data files of ``directory`` as the bytes of an .xlsx workbook (see the module).

    Raises
    ------
    InputError
        When the directory has no data file.
    """
    base = Path(directory)
    present = [s for s in SHEETS if (base / f"{s}.csv").is_file()]
    if not present:
        msg = f"{base}: no network data file found (nodes.csv, services.csv, ...)"
        raise InputError(msg, file=str(base))
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = ABOUT
    for row in _about_rows(base, present):
        about.append(list(row))
    for sheet in present:
        ws = book.create_sheet(sheet)
        with open(base / f"{sheet}.csv", encoding="utf-8-sig", newline="") as fh:
            for i, record in enumerate(csv.reader(fh)):
                ws.append(record if i == 0 else [_cell(v) for v in record])
        ws.freeze_panes = "A2"
    stamp(book)
    book.properties.title = f"corridor network data: {base.name}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _about_rows(base: Path, sheets: Iterable[str]) -> list[tuple[str, str]]:
    return [
        ("corridor network data", f"exported from {base.name}/ by corridor {__version__}"),
        ("sheets", ", ".join(sheets)),
        (
            "how to read it",
            "one sheet per data file of the directory; row 1 is the header, row numbers are "
            "those of the CSV file; docs/data_model.md says what every column means",
        ),
        (
            "how to use it",
            "edit the values (demand, rates, ...), keep the headers and the sheet names, then "
            "run: corridor network import THIS.xlsx DIR, and solve a scenario whose base is DIR",
        ),
        ("left out", "geometry.geojson (the drawn lines): give it to import with --geometry"),
    ]


def read_workbook(source: str | Path) -> dict[str, str]:
    """The data sheets of a workbook as CSV texts, by file name (``demand.csv``: text).

    Raises
    ------
    InputError
        When the file is not a readable workbook, or has a sheet that is no data file.
    """
    path = Path(source)
    if not path.is_file():
        msg = f"{path}: workbook not found"
        raise InputError(msg, file=str(path))
    try:
        book = _open(path, data_only=True)
    except _UNREADABLE as exc:
        msg = f"{path}: not an Excel workbook (.xlsx) corridor can read ({exc})"
        raise InputError(msg, file=str(path)) from None
    out: dict[str, str] = {}
    try:
        for ws in book.worksheets:
            name = ws.title.strip()
            if name == ABOUT:
                continue
            if name not in SHEETS:
                msg = (
                    f"{path}, sheet '{ws.title}': not a data file of a network "
                    f"(sheets: {', '.join(SHEETS)}; '{ABOUT}' is ignored)"
                )
                raise InputError(msg, file=str(path))
            rows = [[_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            while rows and not any(rows[-1]):
                rows.pop()  # trailing empty rows
            width = max((i + 1 for r in rows[:1] for i, v in enumerate(r) if v), default=0)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for r in rows:
                writer.writerow((r + [""] * width)[:width])
            out[f"{name}.csv"] = buffer.getvalue()
    finally:
        book.close()
    return out


def _in_sheet(issue: Issue, book: str, sheets: set[str]) -> Issue:
    """A loader issue of a data file, told as the workbook's sheet, row and column."""
    stem = issue.file.removesuffix(".csv")
    if issue.file.endswith(".csv") and stem in SHEETS:
        where = f"{book}, sheet '{stem}'" + ("" if stem in sheets else " (missing)")
        return Issue(where, issue.row, issue.field, issue.message, issue.severity, "column")
    return issue


def import_workbook(
    source: str | Path,
    directory: str | Path,
    *,
    geometry: str | Path | None = None,
    force: bool = False,
) -> list[Issue]:
    """Check the workbook ``source`` as network data and write it into ``directory``.

    Returns the warnings (told by sheet, row and column). ``geometry`` is a
    ``geometry.geojson`` to copy beside the tables.

    Raises
    ------
    NetworkDataError
        With every problem, by sheet, row and column; nothing is written.
    InputError, OutputFolderError
        When the workbook cannot be read, or ``directory`` is not corridor's to write.
    """
    src = Path(source)
    files = read_workbook(src)
    sheets = {name.removesuffix(".csv") for name in files}
    return import_tables(
        files,
        directory,
        source=src.name,
        geometry=geometry,
        force=force,
        tell=lambda issue: _in_sheet(issue, src.name, sheets),
    )


def import_tables(
    files: dict[str, str],
    directory: str | Path,
    *,
    source: str,
    geometry: str | Path | None = None,
    force: bool = False,
    tell: Callable[[Issue], Issue] = lambda issue: issue,
) -> list[Issue]:
    """Check data files (name -> CSV text) as network data and write them into
    ``directory``: what a workbook import and the workspace's demand upload both do.

    ``source`` names where the files came from (in the folder's marker and errors);
    ``tell`` restates a loader issue in the source's terms (a workbook's sheet, row and
    column). Returns the warnings.

    Raises
    ------
    NetworkDataError
        With every problem; nothing is written.
    InputError, OutputFolderError
        When ``geometry`` is missing, or ``directory`` is not corridor's to write.
    """
    geo = Path(geometry) if geometry is not None else None
    if geo is not None and not geo.is_file():
        msg = f"{geo}: geometry file not found"
        raise InputError(msg, file=str(geo))
    with tempfile.TemporaryDirectory(prefix="corridor-import-") as tmp:
        staged = Path(tmp)
        for name, text in files.items():
            (staged / name).write_text(text, encoding="utf-8")
        if geo is not None:
            shutil.copyfile(geo, staged / "geometry.geojson")
        network, issues = validate_network_dir(staged)
    told = [tell(i) for i in issues]
    errors = [i for i in told if i.severity == "error"]
    if network is None or errors:
        raise NetworkDataError(errors or told, source)
    with OutputFolder(
        directory, kind="network import", force=force, meta={"workbook": source}
    ) as out:
        for name, text in sorted(files.items()):
            out.write_text(name, text)
        if geo is not None:
            out.write_bytes("geometry.geojson", geo.read_bytes())
    return [i for i in told if i.severity != "error"]
