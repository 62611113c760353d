"""Output folders corridor owns: it replaces only what it wrote, atomically, one writer at a time.

Every folder corridor writes holds a marker, :data:`MARKER` (``.corridor.json``),
listing the files it wrote. Before writing, :class:`OutputFolder` looks at the
target:

* missing, or an empty folder: written;
* a folder whose every file is listed in its marker (a result corridor wrote
  earlier): replaced as a whole;
* anything else (a folder with other files, the working directory, a parent
  of the scenario, a file) is refused with :class:`OutputFolderError` (exit
  code 2) and left untouched. With ``force`` a folder with other files is
  written into, file by file, and still only files corridor listed are ever
  replaced or removed; a file in the way is refused even then.

Replacement is crash-safe. The new result is written into a staging folder
beside the target (``.NAME.new-PID``), then swapped into place with one
``renameat2(RENAME_EXCHANGE)`` where the kernel has it (Linux), so that at
every instant either the old or the new result is complete under the final
name; elsewhere it is two renames, and the old result waits as
``.NAME.old-PID`` until the new one is in place. A run killed in between is
recovered by the next run on the same target: a missing target comes back
from its ``.old`` copy, and a dead writer's staging folder is removed (only
the files its marker lists).

Two writers on one target: the second finds the lock file ``.NAME.lock``
holding the first one's PID and refuses, instead of racing; a lock left by a
process that no longer runs is taken over.

Single files (maps, reports) go through :func:`write_owned_file`: an existing
file is replaced only when corridor wrote it (its marker is inside it).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import json
import logging
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from optimizer.errors import CorridorError
from optimizer.results.atomic import write_bytes_atomic, write_text_atomic
from optimizer.version import __version__

log = logging.getLogger(__name__)

#: The marker file in every folder corridor writes.
MARKER = ".corridor.json"
#: The text that marks a single file (an HTML page or map) as written by corridor.
FILE_MARK = '<meta name="generator" content="corridor">'


class OutputFolderError(CorridorError, OSError):
    """The output path is not corridor's to write (the message says why and what to do)."""


# -- markers ------------------------------------------------------------------------------


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder corridor wrote, or ``None``."""
    path = folder / MARKER
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("written_by") != "corridor":
        return None
    files = doc.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return doc


def _entries(folder: Path) -> set[str]:
    """Every file below a folder, as relative POSIX paths (folders themselves left out)."""
    out = set()
    for p in folder.rglob("*"):
        if p.is_file() or p.is_symlink():
            out.add(p.relative_to(folder).as_posix())
    return out


def is_owned(folder: Path) -> bool:
    """Whether ``folder`` holds only files corridor wrote (listed in its marker)."""
    doc = read_marker(folder)
    if doc is None:
        return False
    return _entries(folder) <= set(doc["files"]) | {MARKER}


def _write_marker(folder: Path, kind: str, files: set[str], extra: dict[str, Any]) -> None:
    doc = {
        "written_by": "corridor",
        "version": __version__,
        "kind": kind,
        "written_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": sorted(files - {MARKER}),
        **extra,
    }
    write_text_atomic(folder / MARKER, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


# -- the atomic swap ---------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Any:
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); ``False`` where that is not available."""
    fn = _renameat2()
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc != 0:
        err = ctypes.get_errno()
        if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


# -- locks -------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_owner(lock: Path) -> tuple[int, str] | None:
    try:
        doc = json.loads(lock.read_text(encoding="utf-8"))
        return int(doc["pid"]), str(doc.get("host", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _acquire(lock: Path, target: Path) -> None:
    me = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _lock_owner(lock)
            host = socket.gethostname()
            if owner is not None and (owner[1] not in ("", host) or _alive(owner[0])):
                msg = (
                    f"{target}: another corridor run (PID {owner[0]}"
                    + (f" on {owner[1]}" if owner[1] and owner[1] != host else "")
                    + f") is writing it; wait for it to finish (lock file {lock})"
                )
                raise OutputFolderError(msg, file=str(target)) from None
            log.info("removing a stale lock %s (its process is gone)", lock)
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(me)
        return
    msg = f"{target}: could not take the lock {lock}"
    raise OutputFolderError(msg, file=str(target))


# -- recovery ----------------------------------------------------------------------------


def _pid_of(name: str) -> int | None:
    tail = name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def recover(target: Path) -> None:
    """Put back a result a killed run left aside, and remove its dead staging folders.

    Only leftovers named after ``target`` whose writer no longer runs are
    touched, and only the files their marker lists are removed.
    """
    parent = target.parent
    if not parent.is_dir():
        return
    stem = f".{target.name}."
    for leftover in sorted(parent.glob(f"{stem}old-*")):
        pid = _pid_of(leftover.name)
        if pid is None or _alive(pid) or not leftover.is_dir():
            continue
        if not target.exists() and is_owned(leftover):
            leftover.rename(target)
            log.warning(
                "recovered %s from %s (a run was killed while replacing it)", target, leftover
            )
        elif is_owned(leftover):
            _remove_owned(leftover)
    for leftover in sorted(parent.glob(f"{stem}new-*")):
        pid = _pid_of(leftover.name)
        if pid is None or _alive(pid) or not leftover.is_dir():
            continue
        _remove_owned(leftover)


def _remove_owned(folder: Path) -> None:
    """Remove the files a folder's marker lists, then the folder if it is left empty."""
    doc = read_marker(folder)
    listed = set(doc["files"]) | {MARKER} if doc is not None else {MARKER}
    for rel in listed:
        (folder / rel).unlink(missing_ok=True)
    for tmp in folder.rglob(".*.tmp"):  # a write under way when the run stopped
        if _pid_of(tmp.name.removesuffix(".tmp").replace(".", "-")) is not None:
            tmp.unlink(missing_ok=True)
    for p in sorted(folder.rglob("*"), key=lambda q: len(q.parts), reverse=True):
        if p.is_dir():
            with contextlib.suppress(OSError):
                p.rmdir()
    try:
        folder.rmdir()
    except OSError:
        log.warning("left %s in place: it holds files corridor did not write", folder)


# -- the output folder -----------------------------------------------------------------


class OutputFolder:
    """A folder corridor writes: checked, locked, staged and committed (see the module docstring).

    Use as a context manager; write files with :meth:`write_text` and the
    other writers, or into :meth:`path` followed by :meth:`add`::

        with OutputFolder(Path("results/baseline"), kind="solve") as out:
            out.write_json("solution.json", doc)
            frame.to_csv(out.path("flows.csv"), index=False)
            out.add("flows.csv")

    ``atomic``: stage the whole folder and swap it in at the end (a solve, a
    comparison); otherwise every file is replaced atomically in place as it is
    written (a sweep, whose table grows as runs finish). ``force`` writes into
    a folder that holds other files (in place, never removing them).

    Raises
    ------
    OutputFolderError
        From ``__enter__`` when the target is not corridor's to write, or is
        being written by another run.
    """

    def __init__(
        self,
        target: str | Path,
        *,
        kind: str,
        force: bool = False,
        atomic: bool = True,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.target = Path(target)
        self.kind = kind
        self.force = force
        self.atomic = atomic
        self.meta = dict(meta or {})
        self.lock = self.target.parent / f".{self.target.name}.lock"
        self.files: set[str] = set()
        self._old_files: set[str] = set()
        self._staging: Path | None = None
        self._locked = False

    # -- checks ------------------------------------------------------------------------

    def _check(self) -> None:
        t = self.target
        if t.is_symlink() or (t.exists() and not t.is_dir()):
            msg = (
                f"{t} is a file, not a result folder: corridor does not replace it; "
                "give another --out"
            )
            raise OutputFolderError(msg, file=str(t))
        if not t.exists() or not any(t.iterdir()):
            return
        doc = read_marker(t)
        if doc is not None:
            self._old_files = set(doc["files"])
        if is_owned(t):
            return
        resolved = t.resolve()
        what = "holds files corridor did not write"
        if resolved == Path.cwd().resolve():
            what = "is the working directory"
        elif resolved in Path.cwd().resolve().parents:
            what = "is a parent of the working directory"
        if not self.force:
            msg = (
                f"{t} {what}: corridor writes only into a new folder or one it wrote itself; "
                "give another --out, or --force to add its files beside the others "
                "(it never removes files it did not write)"
            )
            raise OutputFolderError(msg, file=str(t))
        self.atomic = False  # write beside the user's files, one file at a time

    # -- context --------------------------------------------------------------------------

    def __enter__(self) -> OutputFolder:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        _acquire(self.lock, self.target)
        self._locked = True
        try:
            recover(self.target)
            self._check()
            if self.atomic:
                self._staging = self.target.parent / f".{self.target.name}.new-{os.getpid()}"
                if self._staging.exists():
                    _remove_owned(self._staging)
                self._staging.mkdir()
                # the marker first: a staging folder left by a kill is recognised as corridor's
                _write_marker(self._staging, self.kind, set(), {"complete": False, **self.meta})
            else:
                self.target.mkdir(parents=True, exist_ok=True)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._commit()
            elif self._staging is not None:
                _remove_owned(self._staging)
        finally:
            self._release()

    def _release(self) -> None:
        if self._locked:
            self.lock.unlink(missing_ok=True)
            self._locked = False

    # -- writing ----------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        """Where files go now (the staging folder, or the target itself)."""
        return self._staging if self._staging is not None else self.target

    def path(self, relative: str) -> Path:
        """The path to write ``relative`` to (call :meth:`add` once it is written)."""
        p = self.root / relative
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def add(self, relative: str) -> Path:
        """Record a file written into :meth:`path` as corridor's; return its final path."""
        self.files.add(Path(relative).as_posix())
        if self._staging is not None:
            # the staging marker lists what is there, so a killed run's leftover can be removed
            _write_marker(self._staging, self.kind, self.files, {"complete": False, **self.meta})
        else:
            _write_marker(self.target, self.kind, self.files | self._old_files, self.meta)
        return self.target / relative

    def write_bytes(self, relative: str, data: bytes) -> Path:
        """Write a file atomically into the folder and record it."""
        write_bytes_atomic(self.path(relative), data)
        return self.add(relative)

    def write_text(self, relative: str, text: str) -> Path:
        """Write a UTF-8 text file atomically into the folder and record it."""
        return self.write_bytes(relative, text.encode("utf-8"))

    def remove(self, relative: str) -> None:
        """Remove a file corridor wrote here earlier (in place only; never another file)."""
        rel = Path(relative).as_posix()
        if rel in self._old_files | self.files:
            (self.target / rel).unlink(missing_ok=True)
            self._old_files.discard(rel)
            self.files.discard(rel)

    @property
    def old_files(self) -> set[str]:
        """Files the marker listed before this writer began."""
        return set(self._old_files)

    # -- commit -----------------------------------------------------------------------------

    def _commit(self) -> None:
        if self._staging is None:
            # in place: files no longer written by this run are corridor's own and go
            for rel in self._old_files - self.files:
                (self.target / rel).unlink(missing_ok=True)
            _write_marker(self.target, self.kind, self.files, self.meta)
            return
        staging = self._staging
        _write_marker(staging, self.kind, _entries(staging), self.meta)
        if not self.target.exists():
            staging.rename(self.target)
        elif exchange(staging, self.target):
            _remove_owned(staging)  # now the old result
        else:
            old = self.target.parent / f".{self.target.name}.old-{os.getpid()}"
            self.target.rename(old)
            staging.rename(self.target)
            _remove_owned(old)
        self._staging = None


def mark_page(html: str) -> str:
    """An HTML page with :data:`FILE_MARK` as the first element of its head."""
    if FILE_MARK in html[:4096]:
        return html
    return html.replace("<head>", "<head>\n" + FILE_MARK, 1)


def check_output_folder(target: str | Path, *, force: bool = False) -> None:
    """Refuse early (before a long solve) a target that :class:`OutputFolder` would refuse.

    Raises
    ------
    OutputFolderError
        When the target is not corridor's to write, or another run holds its lock.
    """
    folder = OutputFolder(target, kind="check", force=force)
    folder._check()
    owner = _lock_owner(folder.lock) if folder.lock.exists() else None
    if owner is not None and owner[0] != os.getpid() and _alive(owner[0]):
        msg = f"{folder.target}: another corridor run (PID {owner[0]}) is writing it"
        raise OutputFolderError(msg, file=str(folder.target))


def check_output_file(target: str | Path) -> None:
    """Refuse early a single-file target that :func:`write_owned_file` would refuse.

    Raises
    ------
    OutputFolderError
        When the target is a folder or a file corridor did not write.
    """
    p = Path(target)
    if p.is_dir():
        msg = f"{p} is a folder; give a file name"
        raise OutputFolderError(msg, file=str(p))
    if (p.exists() or p.is_symlink()) and not _is_ours(p):
        msg = f"{p} exists and corridor did not write it: it is left as it is; give another --out"
        raise OutputFolderError(msg, file=str(p))


def _has_mark(p: Path) -> bool:
    try:
        with p.open(encoding="utf-8", errors="replace") as handle:
            return FILE_MARK in handle.read(4096)
    except OSError:
        return False


def _is_ours(p: Path) -> bool:
    """A file corridor wrote: it carries the mark, or its folder's marker lists it."""
    if p.is_symlink():
        return False
    doc = read_marker(p.parent)
    return _has_mark(p) or (doc is not None and p.name in doc["files"])


def write_owned_file(target: str | Path, text: str) -> Path:
    """Write a single file (a map, a report) that replaces only a file corridor wrote.

    A file is corridor's when it carries :data:`FILE_MARK` (pages and maps
    put it in their head) or its folder's marker lists it (a table added to
    a result folder, e.g. ``explain.json``). The write is atomic; when the file sits in a
    folder corridor owns, it is added to that folder's marker.

    Raises
    ------
    OutputFolderError
        When the target is a folder, or an existing file corridor did not write.
    """
    p = Path(target)
    if p.is_dir():
        msg = f"{p} is a folder; give a file name"
        raise OutputFolderError(msg, file=str(p))
    if (p.exists() or p.is_symlink()) and not _is_ours(p):
        msg = f"{p} exists and corridor did not write it: it is left as it is; give another --out"
        raise OutputFolderError(msg, file=str(p))
    write_text_atomic(p, text)
    doc = read_marker(p.parent)
    if doc is not None and p.name not in doc["files"]:
        extra = {
            k: v for k, v in doc.items() if k not in ("written_by", "version", "kind", "files")
        }
        extra.pop("written_at", None)
        _write_marker(p.parent, str(doc.get("kind", "")), {*doc["files"], p.name}, extra)
    return p
