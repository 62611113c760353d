"""Output folders corridor owns: never a user's file lost, crash-safe replacement, one writer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.results import folders
from optimizer.results.folders import (
    MARKER,
    OutputFolder,
    OutputFolderError,
    is_owned,
    write_owned_file,
)

SCEN = Path(__file__).parent / "data" / "scenarios"
TINY_BASE = SCEN / "tiny_base.yaml"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _solve(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["solve", str(TINY_BASE), *args])
    return result.exit_code, result.output


def test_solve_never_deletes_a_users_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.docx").write_text("keep", encoding="utf-8")
    before = _tree(tmp_path)
    code, out = _solve("--out", str(victim))
    assert code == 2 and "holds files corridor did not write" in out
    assert "Traceback" not in out
    assert _tree(tmp_path) == before
    # --force writes beside the file and keeps it
    code, out = _solve("--out", str(victim), "--force")
    assert code == 0, out
    assert (victim / "thesis.docx").read_text(encoding="utf-8") == "keep"
    assert (victim / "solution.json").is_file()
    # the folder is still not corridor's alone: a plain solve refuses it, --force keeps the file
    assert _solve("--out", str(victim))[0] == 2
    assert _solve("--out", str(victim), "--force")[0] == 0
    assert (victim / "thesis.docx").read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("target", [".", "notes.txt", "sub/.."])
def test_solve_refuses_the_working_directory_and_files(tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("my notes", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    before = _tree(tmp_path)
    code, out = _solve("--out", target)
    assert code == 2, out
    assert "Traceback" not in out
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "sub"]


def test_default_folder_is_named_after_the_scenario_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "tiny_copy.yaml"
    copy.write_text(
        TINY_BASE.read_text(encoding="utf-8").replace("base: ../tiny", f"base: {SCEN.parent}/tiny"),
        encoding="utf-8",
    )
    assert CliRunner().invoke(app, ["solve", str(copy)]).exit_code == 0
    assert CliRunner().invoke(app, ["solve", str(TINY_BASE)]).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["tiny_base", "tiny_copy"]
    for name in ("tiny_base", "tiny_copy"):
        assert is_owned(tmp_path / "results" / name)


def test_an_owned_folder_is_replaced_whole(tmp_path):
    target = tmp_path / "r"
    with OutputFolder(target, kind="test") as out:
        out.write_text("a.csv", "1\n")
        out.write_text("old.csv", "x\n")
    with OutputFolder(target, kind="test") as out:
        out.write_text("a.csv", "2\n")
    assert _tree(target).keys() == {"a.csv", MARKER}
    assert (target / "a.csv").read_text(encoding="utf-8") == "2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no leftovers, no lock


def test_a_failure_leaves_the_old_result_and_nothing_else(tmp_path):
    target = tmp_path / "r"
    with OutputFolder(target, kind="test") as out:
        out.write_text("a.csv", "old\n")

    def fail_midway() -> None:
        with OutputFolder(target, kind="test") as out:
            out.write_text("a.csv", "new\n")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fail_midway()
    assert (target / "a.csv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_kill_between_the_two_renames_is_recovered(tmp_path, monkeypatch):
    # Without renameat2 the swap is two renames; a kill after the first leaves the old
    # result aside as .r.old-PID and nothing under the final name.
    target = tmp_path / "r"
    with OutputFolder(target, kind="test") as out:
        out.write_text("a.csv", "old\n")
    dead = 2**22 + 12345  # no such process
    target.rename(tmp_path / f".r.old-{dead}")
    staging = tmp_path / f".r.new-{dead}"
    staging.mkdir()
    (staging / "a.csv").write_text("half", encoding="utf-8")
    (staging / MARKER).write_text(
        json.dumps({"written_by": "corridor", "files": ["a.csv"]}), encoding="utf-8"
    )
    assert not target.exists()
    folders.recover(target)
    assert (target / "a.csv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_the_fallback_swap_keeps_a_complete_result(tmp_path, monkeypatch):
    monkeypatch.setattr(folders, "exchange", lambda a, b: False)
    target = tmp_path / "r"
    for text in ("one\n", "two\n"):
        with OutputFolder(target, kind="test") as out:
            out.write_text("a.csv", text)
    assert (target / "a.csv").read_text(encoding="utf-8") == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_second_writer_refuses_and_a_stale_lock_is_taken_over(tmp_path):
    target = tmp_path / "r"
    lock = tmp_path / ".r.lock"
    lock.write_text(json.dumps({"pid": os.getppid(), "host": ""}), encoding="utf-8")
    with pytest.raises(OutputFolderError, match="another corridor run"):
        OutputFolder(target, kind="test").__enter__()
    assert not target.exists()
    lock.write_text(json.dumps({"pid": 2**22 + 54321, "host": ""}), encoding="utf-8")
    with OutputFolder(target, kind="test") as out:
        out.write_text("a.csv", "1\n")
    assert not lock.exists() and (target / "a.csv").is_file()


def test_single_files_are_replaced_only_when_corridor_wrote_them(tmp_path):
    page = "<!DOCTYPE html><html><head>" + folders.FILE_MARK + "</head><body>x</body></html>"
    mine = write_owned_file(tmp_path / "map.html", page)
    write_owned_file(mine, page.replace("x", "y"))
    assert "y" in mine.read_text(encoding="utf-8")
    theirs = tmp_path / "theirs.html"
    theirs.write_text("<html>my page</html>", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="corridor did not write it"):
        write_owned_file(theirs, page)
    assert theirs.read_text(encoding="utf-8") == "<html>my page</html>"
    with pytest.raises(OutputFolderError, match="is a folder"):
        write_owned_file(tmp_path, page)


def test_maps_reports_and_comparisons_respect_users_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["solve", str(TINY_BASE)]).exit_code == 0
    result = tmp_path / "results" / "tiny_base"
    user = tmp_path / "mine.html"
    user.write_text("<html>mine</html>", encoding="utf-8")
    for args in (
        ["map", str(result), "--out", str(user)],
        ["report", str(result), "--out", str(user)],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        assert user.read_text(encoding="utf-8") == "<html>mine</html>"
    # a report written into the result folder joins it: the folder stays corridor's
    assert runner.invoke(app, ["report", str(result)]).exit_code == 0
    assert is_owned(result)
    assert runner.invoke(app, ["solve", str(TINY_BASE)]).exit_code == 0
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("keep", encoding="utf-8")
    res = runner.invoke(app, ["compare", str(TINY_BASE), "--out", str(busy), "--no-maps"])
    assert res.exit_code == 2 and "holds files corridor did not write" in res.output
    assert _tree(busy) == {"keep.txt": b"keep"}
