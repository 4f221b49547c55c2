"""An HTML table saved with an .xls name (a common "Excel export" of web apps) -> RawSheets."""

from __future__ import annotations

from html.parser import HTMLParser

import polars as pl

from kpi_engine.ingest.header import SCAN_ROWS, dedupe_headers, find_header
from kpi_engine.ingest.raw import RawSheet, column_names, empty_sheet, trim_trailing_empty
from kpi_engine.ingest.sniff import decode


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif tag == "tr" and self._depth == 1:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table":
            self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_html_table(file: str, data: bytes) -> list[RawSheet]:
    parser = _Tables()
    parser.feed(decode(data).text)
    sheets: list[RawSheet] = []
    for k, rows in enumerate(parser.tables or [[]]):
        name = f"Table {k + 1}"
        width = max((len(r) for r in rows), default=0)
        if width == 0:
            sheets.append(empty_sheet(file, name, "the table is empty"))
            continue
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
        ))
    return sheets
