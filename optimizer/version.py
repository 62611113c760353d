"""The package version, and a version of the code itself for reusing results."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__version__ = "0.1.0"


@functools.cache
def _source_hash() -> str:
    root = Path(__file__).parent
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def code_version() -> str:
    """Version plus a hash of every source file of the package (changes with every code change).

    Every file below the package folder counts (modules of every subpackage,
    templates and static assets), so a reused result is never older than the
    code that would write it. The hash is of the code this process loaded.
    """
    return f"{__version__}+{_source_hash()}"
