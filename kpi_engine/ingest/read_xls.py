"""Legacy Excel workbooks (.xls, BIFF2-8): one text frame per sheet, read by xlrd.

calamine builds a sheet as a dense grid up to its farthest cell: a 5 KB .xls with a cell at
row 60,000, column 3,000 made it ask for gigabytes and abort the server. xlrd keeps each row
as long as its last cell, which is no better when many rows reach far. So the workbook stream
is taken out of its container by xlrd's own reader, every sheet's cell records are measured
(`_extents`) from where xlrd will read them, and only then does xlrd read that same stream —
no second reader can see other bytes. A sheet whose rows × columns (from A1: xlrd's rows
start there) pass the limits refuses the workbook.

Cells come as text, like calamine's in the workbook reader: numbers in plain positional
notation (the shortest that reads back the same), dates `YYYY-MM-DD HH:MM:SS` (`.fff` when
there are milliseconds; a time of day alone on 1899-12-31), booleans `true` / `false`, an
error cell empty.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

import polars as pl

from kpi_engine.ingest.errors import UnusableFile

MAX_WORKBOOK_CELLS = 20_000_000  # rows × columns from A1, summed over the sheets
# BIFF records that hold a cell, row then column first: NUMBER, RK, LABELSST, LABEL, BOOLERR,
# FORMULA, RSTRING, and BIFF2-4's INTEGER, NUMBER, LABEL, BOOLERR, FORMULA; MULRK holds a run
_CELL_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x0406, 0x0206, 0x00D6,
                 0x0002, 0x0003, 0x0004, 0x0005}
_MULRK = 0x00BD
_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_EOF = 0x000A
_BOUNDSHEET = 0x0085


@dataclass
class XlsSheet:
    name: str
    frame: pl.DataFrame | None  # text, columns from the first to the last holding a value
    first_row: int  # 0-based row of the frame's first row
    reason: str | None = None


def read_xls(file: str, data: bytes, max_columns: int, max_cells: int) -> list[XlsSheet]:
    import xlrd

    stream = _workbook_stream(file, data)
    _check_extents(file, stream, max_columns, max_cells)
    try:
        book = xlrd.open_workbook(file_contents=stream, ragged_rows=True, on_demand=True,
                                  logfile=_Quiet())
    except Exception as exc:  # noqa: BLE001 - xlrd's errors on a damaged file vary
        raise UnusableFile(file, _message(file, str(exc))) from None
    sheets = []
    for index, name in enumerate(book.sheet_names()):
        try:
            sheet = book.sheet_by_index(index)
            sheets.append(_frame(book, sheet, name))
            book.unload_sheet(index)
        except Exception as exc:  # noqa: BLE001
            sheets.append(XlsSheet(name, None, 0, f"this sheet could not be read ({exc})"))
    return sheets


def _workbook_stream(file: str, data: bytes) -> bytes:
    """The BIFF stream xlrd reads: the container's Workbook (or Book) stream, as xlrd's own
    compound-document reader finds it; a bare BIFF file is its own stream."""
    from xlrd import compdoc

    if data[:8] != compdoc.SIGNATURE:
        return data
    try:
        doc = compdoc.CompDoc(data, logfile=_Quiet())
        for name in ("Workbook", "Book"):
            mem, base, size = doc.locate_named_stream(name)
            if mem:
                return bytes(mem[base:base + size])
    except Exception as exc:  # noqa: BLE001
        raise UnusableFile(file, _message(file, str(exc))) from None
    raise UnusableFile(file, _message(file, "no workbook stream"))


def _check_extents(file: str, stream: bytes, max_columns: int, max_cells: int) -> None:
    total = 0
    for name, rows, columns in _extents(stream):
        where = f"{file}, sheet {name}"
        if columns > max_columns:
            raise UnusableFile(
                file, f"{where} has at least {columns:,} columns; at most {max_columns:,} can "
                "be read. Delete the columns (or stray cells) to the right of the data, or "
                "export the sheet as CSV.")
        if rows * columns > max_cells:
            raise UnusableFile(
                file, f"{where} spans at least {rows:,} rows × {columns:,} columns; at most "
                f"{max_cells:,} cells can be read from one sheet. Delete stray cells far below "
                "or to the right of the data, or export the sheet as CSV.")
        total += rows * columns
    if total > MAX_WORKBOOK_CELLS:
        raise UnusableFile(
            file, f"{file} spans {total:,} cells over its sheets; at most "
            f"{MAX_WORKBOOK_CELLS:,} can be read from one workbook: split it.")


def _extents(stream: bytes) -> list[tuple[str, int, int]]:
    """Per sheet (name, rows, columns) counted from A1 to its farthest cell record, read from
    the offset its BOUNDSHEET gives (where xlrd reads it), to its end (nested substreams,
    charts, count as the sheet's: an upper bound)."""
    out = []
    for offset, name in _sheet_offsets(stream):
        rows = columns = 0
        depth = 0
        at = offset
        while at + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, at)
            body = at + 4
            if kind in _BOF:
                depth += 1
            elif kind == _EOF:
                depth -= 1
                if depth <= 0:
                    break
            elif kind in _CELL_RECORDS and length >= 4 and body + 4 <= len(stream):
                row, col = struct.unpack_from("<HH", stream, body)
                rows, columns = max(rows, row + 1), max(columns, col + 1)
            elif kind == _MULRK and length >= 6 and body + length <= len(stream):
                row, = struct.unpack_from("<H", stream, body)
                last, = struct.unpack_from("<H", stream, body + length - 2)
                first, = struct.unpack_from("<H", stream, body + 2)
                rows, columns = max(rows, row + 1), max(columns, first + 1, last + 1)
            at = body + length
        out.append((name, rows, columns))
    return out


def _sheet_offsets(stream: bytes) -> list[tuple[int, str]]:
    """(offset, name) of every sheet the workbook globals list (BOUNDSHEET records)."""
    offsets = []
    at = 0
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        if kind == _BOUNDSHEET and length >= 4 and at + 8 <= len(stream):
            offset, = struct.unpack_from("<I", stream, at + 4)
            offsets.append((offset, _sheet_name(stream[at + 10:at + 4 + length])
                            or f"#{len(offsets) + 1}"))
        elif kind == _EOF:
            break
        at += 4 + length
    return offsets


def _sheet_name(field: bytes) -> str:
    """A BOUNDSHEET's name (BIFF8: length, flags, Latin-1 or UTF-16 characters), for messages."""
    if len(field) < 2:
        return ""
    n, wide = field[0], field[1] & 1
    text = field[2:2 + n * (2 if wide else 1)]
    return text.decode("utf-16-le" if wide else "latin-1", "replace")


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


def _message(file: str, detail: str) -> str:
    if "encrypt" in detail.lower() or "password" in detail.lower():
        return (f"{file} is protected with a password: save it without a password and upload "
                "it again.")
    return (f"{file} could not be opened as a workbook (it may be damaged): open it in Excel "
            "or LibreOffice, save it again as .xlsx, and upload that file.")


class _Quiet:
    """xlrd writes warnings to a log file: kept out of the user's way."""

    def write(self, _text: str) -> int:
        return 0
