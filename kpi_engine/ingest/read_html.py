"""An HTML table saved with an .xls name (a common "Excel export" of web apps) -> RawSheets."""

from __future__ import annotations

import html
import re

import polars as pl

from kpi_engine.ingest.errors import UnusableFile
from kpi_engine.ingest.header import SCAN_ROWS, dedupe_headers, find_header
from kpi_engine.ingest.raw import RawSheet, column_names, empty_sheet, trim_trailing_empty
from kpi_engine.ingest.sniff import decode

MAX_SHEETS = 1_000
MAX_COLUMNS = 1_000
MAX_RECORDS = 3_000_000
MAX_CELL = 32_767


# Tags are matched up to the next "<" or ">", so that no search ever runs to the end of the
# file and back (html.parser is quadratic on an unclosed comment and slow on big tables).
_TAG = re.compile(r"<(/?)(table|tr|td|th|br)\b[^<>]*>", re.I)
_ANY_TAG = re.compile(r"<[^<>]*>")
_HIDDEN = re.compile(r"<!--|<!\[CDATA\[|<(script|style|template|textarea)\b", re.I)
_CLOSERS = {"<!--": re.compile("-->"), "<![cdata[": re.compile(r"\]\]>")}


def _visible(text: str) -> str:
    """The text without comments, CDATA, scripts and styles (an unclosed one ends the text)."""
    out: list[str] = []
    pos = 0
    while True:
        m = _HIDDEN.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        out.append(text[pos : m.start()])
        opener = m.group(0).lower()
        closer = _CLOSERS.get(opener) or re.compile(rf"</{re.escape(m.group(1))}\s*>", re.I)
        end = closer.search(text, m.end())
        if end is None:
            break
        pos = end.end()
    return "".join(out)


def _cell_text(parts: list[str]) -> str:
    return " ".join(html.unescape(_ANY_TAG.sub(" ", "".join(parts))).split())


def _tables(text: str) -> list[list[list[str]]]:
    """Rows of cells of each top-level table; inner tables' text goes into the outer cell."""
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    cell: list[str] | None = None
    depth = 0
    pos = 0
    for m in _TAG.finditer(text):
        if cell is not None:
            cell.append(text[pos : m.start()])
        pos = m.end()
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag == "table":
            if closing:
                depth = max(0, depth - 1)
            else:
                depth += 1
                if depth == 1:
                    tables.append([])
            continue
        if depth != 1:
            if tag == "br" and cell is not None:
                cell.append(" ")
            continue
        if tag == "br":
            if cell is not None:
                cell.append(" ")
        elif tag in ("td", "th"):
            if cell is not None and row is not None:
                row.append(_cell_text(cell))
            cell = [] if not closing and row is not None else None
        elif tag == "tr":
            if cell is not None and row is not None:
                row.append(_cell_text(cell))
            cell = None
            if row is not None and tables:
                tables[-1].append(row)
            row = None if closing else []
    if cell is not None and row is not None:
        row.append(_cell_text(cell))
    if row is not None and tables:
        tables[-1].append(row)
    return tables


def read_html_table(file: str, data: bytes) -> list[RawSheet]:
    """Each top-level <table> is a sheet, under the limits of a workbook (section 6): at most
    1,000 tables, 1,000 columns and 3,000,000 rows each; a cell over 32,767 characters is cut.
    Only text between <td>/<th> tags is kept; scripts and styles are never run nor kept."""
    tables = _tables(_visible(decode(data).text))
    if len(tables) > MAX_SHEETS:
        raise UnusableFile(file, f"{file} holds {len(tables):,} tables; at most "
                                 f"{MAX_SHEETS:,} can be read: split the file.")
    sheets: list[RawSheet] = []
    for k, rows in enumerate(tables or [[]]):
        name = f"Table {k + 1}"
        width = max((len(r) for r in rows), default=0)
        if width > MAX_COLUMNS:
            raise UnusableFile(file, f"{file}, {name} has {width:,} columns; at most "
                                     f"{MAX_COLUMNS:,} can be read.")
        if len(rows) > MAX_RECORDS:
            raise UnusableFile(file, f"{file}, {name} has more than {MAX_RECORDS:,} rows, the "
                                     "limit for one table: split it.")
        if width == 0:
            sheets.append(empty_sheet(file, name, "the table is empty"))
            continue
        cut = sum(len(c) > MAX_CELL for r in rows for c in r)
        if cut:
            rows = [[c[:MAX_CELL] for c in r] for r in rows]
        padded = [(r + [""] * width)[:width] for r in rows]
        found = find_header(padded[: SCAN_ROWS + 10])
        if found is None:
            sheets.append(empty_sheet(file, name, "no header row with recognisable columns"))
            continue
        body = padded[found + 1 :]
        names = column_names(width)
        cells = pl.DataFrame({c: [r[i] for r in body] for i, c in enumerate(names)},
                             schema=dict.fromkeys(names, pl.String))
        cells = cells.head(trim_trailing_empty(cells))
        first = found + 2
        sheets.append(RawSheet(
            file=file, sheet=name, header=dedupe_headers(padded[found]), header_row=found + 1,
            store=cells,
            line=pl.int_range(first, first + cells.height, dtype=pl.Int64, eager=True).alias("line"),
            unreadable=pl.repeat(False, cells.height, eager=True).alias("unreadable"),
            notes=[f"{cut} cell(s) longer than {MAX_CELL:,} characters were cut to that "
                   "length."] if cut else [],
        ))
    return sheets
