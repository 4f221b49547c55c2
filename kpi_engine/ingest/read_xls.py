"""Legacy Excel workbooks (.xls, BIFF2-8): one text frame per sheet, read by xlrd.

calamine builds a sheet as a dense grid up to its farthest cell: a 5 KB .xls with a cell at
row 60,000, column 3,000 made it ask for gigabytes and abort the server. xlrd keeps each row
as long as its last cell, which is no better when many rows reach far, and its own records can
grow a sheet in ways a scan ahead would have to copy (a DIMENSIONS record resets its row count;
sheets can be found at negative offsets, in a nested container, after a SHEETHDR). So the
limits are kept inside xlrd itself: every cell it stores goes through `_counted`, which counts
what the sheet has grown to and stops the read past a limit (at most 1,000 columns from A,
5,000,000 cells and 131,072 rows grown per sheet); sheets must start at distinct offsets
growing through the stream, so no sheet is read twice over.

Cells come as text, like calamine's in the workbook reader: numbers in plain positional
notation (the shortest that reads back the same), dates `YYYY-MM-DD HH:MM:SS` (`.fff` when
there are milliseconds; a time of day alone on 1899-12-31), booleans `true` / `false`, an
error cell empty.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.sheet_guard import (
    MAX_COLUMNS,
    MAX_SHEET_CELLS,
    MAX_SHEETS,
    open_message,
    too_many_cells,
    too_many_sheets,
    too_wide,
)

MAX_WORKBOOK_CELLS = 20_000_000  # the sheets' frames together
MAX_GROWN_ROWS = 2 * 65_536  # rows a sheet may grow to in xlrd (BIFF8 has 65,536)


@dataclass
class XlsSheet:
    name: str
    frame: pl.DataFrame | None  # text, columns from the first to the last holding a value
    first_row: int  # 0-based row of the frame's first row
    reason: str | None = None


class _TooLarge(Exception):  # noqa: N818 - a signal from inside xlrd
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def read_xls(file: str, data: bytes) -> list[XlsSheet]:
    import xlrd

    _guard_xlrd()
    try:
        book = xlrd.open_workbook(file_contents=data, ragged_rows=True, on_demand=True,
                                  logfile=_Quiet())
        offsets = list(getattr(book, "_sh_abs_posn", []))
    except Exception as exc:  # noqa: BLE001 - xlrd's errors on a damaged file vary
        raise UnusableFile(file, open_message(file, str(exc))) from None
    if book.nsheets > MAX_SHEETS:  # before any is read
        raise UnusableFile(file, too_many_sheets(file, book.nsheets))
    if any(b <= a for a, b in zip(offsets, offsets[1:], strict=False)):
        raise UnusableFile(file, open_message(file, "sheets out of order"))
    sheets = []
    total = 0
    for index, name in enumerate(book.sheet_names()):
        try:
            sheet = book.sheet_by_index(index)
            found = _frame(book, sheet, name)
            book.unload_sheet(index)
        except _TooLarge as exc:
            raise UnusableFile(file, _too_large(file, name, exc.what)) from None
        except Exception as exc:  # noqa: BLE001
            sheets.append(XlsSheet(name, None, 0, f"this sheet could not be read ({exc})"))
            continue
        if found.frame is not None:
            total += found.frame.height * found.frame.width
            if total > MAX_WORKBOOK_CELLS:
                raise UnusableFile(
                    file, f"{file} holds more than {MAX_WORKBOOK_CELLS:,} cells over its "
                    "sheets, the limit for one workbook: split it.")
        sheets.append(found)
    return sheets


def _too_large(file: str, name: str, what: str) -> str:
    where = f"{file}, sheet {name}"
    if what == "columns":
        return too_wide(where, f"more than {MAX_COLUMNS:,}")
    return too_many_cells(where, f"more than {MAX_SHEET_CELLS:,} cells")


_GUARDED = False
_GUARDING = threading.Lock()  # (two uploads at once must not wrap it twice)


def _guard_xlrd() -> None:
    """xlrd stores every cell through Sheet.put_cell_ragged: wrapped once, for good."""
    global _GUARDED
    with _GUARDING:
        if _GUARDED:
            return
        from xlrd.sheet import Sheet

        Sheet.put_cell_ragged = _counted(Sheet.put_cell_ragged)  # type: ignore[method-assign]
        _GUARDED = True


def _counted(put_cell: Any) -> Any:
    def put_cell_counted(self: Any, rowx: int, colx: int, ctype: Any, value: Any,
                         xf_index: Any) -> None:
        if colx >= MAX_COLUMNS:
            raise _TooLarge("columns")
        rows = self._cell_values
        rows_before = len(rows)
        cells_before = len(rows[rowx]) if rowx < rows_before else 0
        put_cell(self, rowx, colx, ctype, value, xf_index)
        grown = (len(rows) - rows_before) * 4 + len(rows[rowx]) - cells_before  # a row ~ 4
        self._kpi_grown = getattr(self, "_kpi_grown", 0) + grown
        if self._kpi_grown > MAX_SHEET_CELLS or len(rows) > MAX_GROWN_ROWS:
            raise _TooLarge("cells")

    return put_cell_counted


def _frame(book: object, sheet: object, name: str) -> XlsSheet:
    """The sheet's cells as text, rows and columns from the first to the last holding one."""
    import xlrd

    first_row, last_row, first_col, last_col = None, -1, None, -1
    for r in range(sheet.nrows):
        types = sheet.row_types(r)
        filled = [c for c, t in enumerate(types) if t not in (xlrd.XL_CELL_EMPTY,
                                                             xlrd.XL_CELL_BLANK)]
        if filled:
            first_row = r if first_row is None else first_row
            last_row = r
            first_col = filled[0] if first_col is None else min(first_col, filled[0])
            last_col = max(last_col, filled[-1])
    if first_row is None or first_col is None:
        return XlsSheet(name, pl.DataFrame(), 0)
    width = last_col - first_col + 1
    if (last_row - first_row + 1) * width > MAX_SHEET_CELLS:
        raise _TooLarge("cells")
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for r in range(first_row, last_row + 1):
        types, values = sheet.row_types(r), sheet.row_values(r)
        for i in range(width):
            c = first_col + i
            columns[i].append(_text(book, types[c], values[c]) if c < len(types) else None)
    frame = pl.DataFrame({f"x{i}": pl.Series(col, dtype=pl.String)
                          for i, col in enumerate(columns)})
    return XlsSheet(name, frame, first_row)


def _text(book: object, kind: int, value: object) -> str | None:
    import xlrd

    if kind == xlrd.XL_CELL_TEXT:
        return str(value)
    if kind == xlrd.XL_CELL_NUMBER:
        return number_text(float(value))  # type: ignore[arg-type]
    if kind == xlrd.XL_CELL_DATE:
        return _date_text(float(value), book.datemode)  # type: ignore[attr-defined]
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "true" if value else "false"
    return None  # empty, blank, error


def number_text(x: float) -> str:
    """A number in plain positional notation, the shortest that reads back the same
    (12 → "12", 0.1 → "0.1", 1e-7 → "0.0000001", 1e16 → "10000000000000000")."""
    import numpy as np

    if x.is_integer() and abs(x) < 2**63:
        return str(int(x))
    return np.format_float_positional(x, trim="-")


_EPOCHS = {0: dt.datetime(1899, 12, 30), 1: dt.datetime(1904, 1, 1)}


def _date_text(serial: float, datemode: int) -> str:
    """An Excel serial date as text: `YYYY-MM-DD HH:MM:SS` (`.fff` with milliseconds); a time
    alone (serial below 1) on 1899-12-31, as calamine shows it; Excel's 29 February 1900
    (serial 60, a day that never was) as the 28th."""
    if datemode == 0 and 0 <= serial < 60:
        serial += 1  # before 1 March 1900 Excel counts the missing 29 February
    millis = round(serial * 86_400_000)
    when = _EPOCHS.get(datemode, _EPOCHS[0]) + dt.timedelta(milliseconds=millis)
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    return text + f".{when.microsecond // 1000:03d}" if when.microsecond else text


class _Quiet:
    """xlrd writes warnings to a log file: kept out of the user's way."""

    def write(self, _text: str) -> int:
        return 0
