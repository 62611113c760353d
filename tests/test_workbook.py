"""``corridor network export|import``: a data directory as one Excel workbook, and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.data.loader import DEFAULT_DATA_DIR, load_network
from optimizer.errors import InputError, NetworkDataError
from optimizer.output.workbook import _cell, _text, export_workbook, import_workbook
from optimizer.results.folders import OutputFolderError

runner = CliRunner()


def csv_files(directory: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(directory.glob("*.csv")) if p.name != "facts.csv"
    }


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))
def test_a_cell_reads_back_to_its_text(text: str) -> None:
    assert _text(_cell(text)) == text


@pytest.mark.parametrize(("text", "value"), [("26.5", 26.5), ("7", 7), ("-3", -3), ("0.1", 0.1)])
def test_numbers_are_written_as_numbers(text: str, value: float) -> None:
    assert _cell(text) == value


@pytest.mark.parametrize("text", ["007", "1e5", "1.50", "9610;9810", " 5", "CN_QINZHOU"])
def test_other_texts_stay_text(text: str) -> None:
    assert _cell(text) == text


def test_round_trip_is_byte_identical(tiny_dir: Path, tmp_path: Path) -> None:
    book = export_workbook(tiny_dir, tmp_path / "tiny.xlsx")
    names = load_workbook(book, read_only=True).sheetnames
    assert names[0] == "about" and "demand" in names and "services" in names
    import_workbook(book, tmp_path / "net")
    assert csv_files(tmp_path / "net") == csv_files(tiny_dir)
    load_network(tmp_path / "net")


def test_bundled_network_round_trips(tmp_path: Path) -> None:
    book = export_workbook(DEFAULT_DATA_DIR, tmp_path / "net.xlsx")
    import_workbook(book, tmp_path / "net", geometry=DEFAULT_DATA_DIR / "geometry.geojson")
    assert csv_files(tmp_path / "net") == csv_files(DEFAULT_DATA_DIR)
    assert (tmp_path / "net" / "geometry.geojson").read_bytes() == (
        DEFAULT_DATA_DIR / "geometry.geojson"
    ).read_bytes()


def test_an_edited_workbook_is_read(tiny_dir: Path, tmp_path: Path) -> None:
    book = export_workbook(tiny_dir, tmp_path / "tiny.xlsx")
    wb = load_workbook(book)
    ws = wb["demand"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("tonnes_per_year") + 1).value = 1234.5
    wb.save(book)
    import_workbook(book, tmp_path / "net")
    net = load_network(tmp_path / "net")
    assert float(net.demand["tonnes_per_year"].iloc[0]) == 1234.5


def test_problems_name_sheet_row_and_column_and_nothing_is_written(
    tiny_dir: Path, tmp_path: Path
) -> None:
    book = export_workbook(tiny_dir, tmp_path / "tiny.xlsx")
    wb = load_workbook(book)
    ws = wb["demand"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("tonnes_per_year") + 1).value = -5
    ws.cell(row=2, column=header.index("market") + 1).value = "NO_SUCH_MARKET"
    wb.save(book)
    target = tmp_path / "net"
    with pytest.raises(NetworkDataError) as info:
        import_workbook(book, target)
    text = str(info.value)
    assert "tiny.xlsx, sheet 'demand', row 3, column 'tonnes_per_year'" in text
    assert "tiny.xlsx, sheet 'demand', row 2, column 'market'" in text
    assert not target.exists()
    result = runner.invoke(app, ["network", "import", str(book), str(target)])
    assert result.exit_code == 2
    assert "sheet 'demand', row 3" in result.output and "Traceback" not in result.output
    assert not target.exists()


def test_a_missing_sheet_is_named(tiny_dir: Path, tmp_path: Path) -> None:
    book = export_workbook(tiny_dir, tmp_path / "tiny.xlsx")
    wb = load_workbook(book)
    del wb["products"]
    wb.save(book)
    with pytest.raises(NetworkDataError, match=r"sheet 'products' \(missing\)"):
        import_workbook(book, tmp_path / "net")


def test_an_unknown_sheet_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    assert wb.active is not None
    wb.active.title = "my notes"
    wb.save(tmp_path / "notes.xlsx")
    with pytest.raises(InputError, match="sheet 'my notes': not a data file"):
        import_workbook(tmp_path / "notes.xlsx", tmp_path / "net")


def test_not_a_workbook_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputError, match="not an Excel workbook"):
        import_workbook(tmp_path / "fake.xlsx", tmp_path / "net")


def test_files_corridor_did_not_write_are_never_replaced(tiny_dir: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.xlsx"
    mine.write_text("a user's file", encoding="utf-8")
    result = runner.invoke(app, ["network", "export", str(tiny_dir), "--xlsx", str(mine)])
    assert result.exit_code == 2 and "did not write it" in result.output
    assert mine.read_text(encoding="utf-8") == "a user's file"
    # a workbook corridor wrote is replaced
    ours = export_workbook(tiny_dir, tmp_path / "ours.xlsx")
    assert export_workbook(tiny_dir, ours) == ours
    # a folder with the user's files is not written into
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputFolderError):
        import_workbook(ours, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    # an earlier import is replaced
    import_workbook(ours, tmp_path / "net")
    import_workbook(ours, tmp_path / "net")
    assert csv_files(tmp_path / "net") == csv_files(tiny_dir)
