"""Atomic file writes: the content goes to a temporary file beside the target, renamed into place.

A reader never sees half a file, and a failure leaves the previous file as it
was and no temporary file behind. Every file corridor writes goes through
:func:`write_bytes_atomic` (directly, or through an
:class:`~optimizer.results.folders.OutputFolder`).
"""

from __future__ import annotations

import os
from pathlib import Path


def temporary_name(target: Path) -> Path:
    """The temporary file a write to ``target`` goes through (``.NAME.PID.tmp``)."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def write_bytes_atomic(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` through a temporary file renamed into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(target)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(target: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return write_bytes_atomic(target, text.encode("utf-8"))
