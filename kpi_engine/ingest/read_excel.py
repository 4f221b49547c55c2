"""Workbooks (XLSX, XLSM, XLS, ODS) -> one RawSheet per sheet, read by calamine through fastexcel.

Cells come as text (dates as "2024-01-31 00:00:00", numbers as "1234.5"), so one cleaning path
serves CSV and Excel alike. calamine starts a sheet at its first non-empty row; that row's
number is read from the sheet XML (cheap: it is near the start) so header_row is the real one.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.header import SCAN_ROWS, dedupe_headers, find_header
from kpi_engine.ingest.raw import (
    RawSheet,
    column_names,
    compact,
    empty_sheet,
    filled_count,
    longest,
    plan_columns,
)
from kpi_engine.ingest.sheet_guard import (
    MAX_COLUMNS,
    MAX_SHEETS,
    check_zip,
    open_message,
    sheet_targets,
    too_many_sheets,
)
from kpi_engine.ingest.warm import ahead_of_need

MAX_CELL = 32_767
NO_HEADER = "no header row with recognisable columns"


def read_workbook(file: str, data: bytes) -> list[RawSheet]:
    import fastexcel

    if data[:2] != b"PK":  # a legacy .xls (in its container, or bare BIFF)
        return _xls_sheets(file, data)
    data = check_zip(file, data)  # the checked parts only, in an archive written anew

    try:
        book = fastexcel.read_excel(data)
    except Exception as exc:  # noqa: BLE001 - calamine's errors are not typed for us
        raise UnusableFile(file, open_message(file, str(exc))) from None
    names = list(book.sheet_names)
    if len(names) > MAX_SHEETS:
        raise UnusableFile(file, too_many_sheets(file, len(names)))
    first_rows = _first_rows(data)
    sheets: list[RawSheet] = []
    with ThreadPoolExecutor(max_workers=1) as pool:  # made ready while calamine reads
        ready = pool.submit(ahead_of_need)
        for name in names:
            try:
                frame = book.load_sheet(name, header_row=None, dtypes="string").to_polars()
            except Exception as exc:  # noqa: BLE001
                sheet = empty_sheet(file, name, f"this sheet could not be read ({exc})")
                sheets.append(sheet)
                continue
            offset = first_rows.get(name)
            if offset is None:
                offset = _first_row_calamine(data, name)
            sheets.append(_sheet(file, name, frame, offset))
        ready.exception()  # an error shows again when a table is recognised
    return sheets


def _xls_sheets(file: str, data: bytes) -> list[RawSheet]:
    from kpi_engine.ingest.read_xls import read_xls

    return [empty_sheet(file, s.name, s.reason) if s.frame is None
            else _sheet(file, s.name, s.frame, s.first_row) for s in read_xls(file, data)]


def _sheet(file: str, name: str, frame: pl.DataFrame, offset: int) -> RawSheet:
    if frame.width > MAX_COLUMNS:
        raise UnusableFile(
            file, f"{file}, sheet {name} has {frame.width:,} columns; at most {MAX_COLUMNS:,} "
            "can be read."
        )
    if frame.height == 0 or frame.width == 0:
        return empty_sheet(file, name, "the sheet is empty")
    frame = frame.rename(dict(zip(frame.columns, column_names(frame.width), strict=True)))
    frame = frame.with_columns(pl.all().cast(pl.String).fill_null(""))
    head = [list(r) for r in frame.head(SCAN_ROWS + 10).iter_rows()]
    found = find_header(head)
    if found is None:
        return empty_sheet(file, name, NO_HEADER)
    header = dedupe_headers(head[found])
    cells = frame.slice(found + 1)
    notes: list[str] = []
    # (a cell of more bytes than MAX_CELL may still have fewer characters)
    too_long = cells.select(
        pl.sum_horizontal([(pl.col(c).str.len_chars() > MAX_CELL).sum() for c in cells.columns])
    ).item() if cells.height and max(longest(cells[c]) for c in cells.columns) > MAX_CELL else 0
    if too_long:
        cells = cells.with_columns(pl.all().str.slice(0, MAX_CELL))
        notes.append(f"{too_long} cell(s) longer than {MAX_CELL:,} characters were cut.")
    # held compactly (raw.py): a column repeating a few values as Categorical, ISO date-times
    # as Datetime; every cell's text stays exactly what the sheet gave
    cells, formats = compact(cells, plan_columns(cells.head(2000)))
    count = filled_count(cells, formats)  # trailing empty records are not rows
    filled = (count > 0).arg_true()
    keep = int(filled[-1]) + 1 if filled.len() else 0
    cells, count = cells.head(keep), count.head(keep)
    first = offset + found + 2  # 1-based row of the first record below the header
    sheet = RawSheet(
        file=file,
        sheet=name,
        header=header,
        header_row=offset + found + 1,
        store=cells,
        line=pl.int_range(first, first + cells.height, dtype=pl.Int64, eager=True).alias("line"),
        unreadable=pl.repeat(False, cells.height, eager=True).alias("unreadable"),
        notes=notes,
        formats=formats,
    )
    sheet._filled = count
    return sheet


_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>(.*?)(?=<(?:\w+:)?row\b|</(?:\w+:)?sheetData>)", re.S)
_R_ATTR = re.compile(rb'\br="(\d+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>")


def _first_rows(data: bytes) -> dict[str, int]:
    """sheet name -> 0-based index of its first row holding a value (XLSX/XLSM only)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        book = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    out: dict[str, int] = {}
    for name, path in sheet_targets(book, rels).items():
        row = _first_value_row(z, path)
        if row is not None:
            out[name] = row
    return out


def _first_value_row(z: zipfile.ZipFile, path: str) -> int | None:
    try:
        with z.open(path) as fh:
            chunk = b""
            while len(chunk) < 64 * 1024 * 1024:
                more = fh.read(256 * 1024)
                chunk += more
                counted = 0
                for m in _ROW.finditer(chunk):
                    r = _R_ATTR.search(m.group(1))
                    counted = int(r.group(1)) if r else counted + 1
                    if m.group(2) != b"/" and _HAS_VALUE.search(m.group(3)):
                        return counted - 1
                if not more:
                    return None
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    return None


def _first_row_calamine(data: bytes, name: str) -> int:
    try:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name)
        return int(sheet.start[0]) if sheet.start else 0
    except Exception:  # noqa: BLE001
        return 0
