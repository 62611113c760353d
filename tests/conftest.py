"""Shared fixtures: the tiny hand-checkable network and helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"
BAD = DATA / "bad"


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    return TINY


@pytest.fixture(scope="session")
def tiny():
    from optimizer.data.loader import load_network

    return load_network(TINY)


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny network."""
    target = tmp_path / "net"
    shutil.copytree(TINY, target)
    return target
