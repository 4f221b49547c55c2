"""A sheet as read: every record below the header as text, before any meaning is given to it."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass
class RawSheet:
    """One file or sheet: header found, cells as text (column i is `c{i}`), junk rows still in.

    `cells` has one row per record below the header up to the last non-empty one (a quoted
    multi-line field is one record); `line` holds each record's 1-based line (CSV) or row (sheet)
    number and `unreadable` marks records that could not be parsed (a wrong number of fields).
    """

    file: str
    sheet: str | None
    header: list[str]  # deduplicated header texts, one per column
    header_row: int | None  # 1-based
    cells: pl.DataFrame  # String columns c0..c{n-1}, "" for an empty cell
    line: pl.Series  # Int64, the record's first line / row number
    unreadable: pl.Series  # Boolean
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    reason: str | None = None  # why no table could be found (no header ...)

    @property
    def label(self) -> str:
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file

    @property
    def rows_read(self) -> int:
        return self.cells.height


def empty_sheet(file: str, sheet: str | None, reason: str, **kw: object) -> RawSheet:
    return RawSheet(
        file=file,
        sheet=sheet,
        header=[],
        header_row=None,
        cells=pl.DataFrame(),
        line=pl.Series("line", [], dtype=pl.Int64),
        unreadable=pl.Series("unreadable", [], dtype=pl.Boolean),
        reason=reason,
        **kw,  # type: ignore[arg-type]
    )


def column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def filled_count(cells: pl.DataFrame) -> pl.Series:
    """Per record, the number of cells holding something other than whitespace.

    One boolean per cell (a non-space character somewhere in it): no cell text is copied, so
    a narrow file of millions of short records costs a few bytes a record here.
    """
    if cells.width == 0:
        return pl.Series("n", [0] * cells.height, dtype=pl.UInt32)
    return cells.select(
        pl.sum_horizontal([pl.col(c).str.contains(r"\S").fill_null(False) for c in cells.columns])
        .cast(pl.UInt32).alias("n")
    )["n"]


def trim_trailing_empty(cells: pl.DataFrame) -> int:
    """Number of records up to the last non-empty one (trailing empty records are not rows)."""
    if cells.height == 0 or cells.width == 0:
        return 0
    idx = (filled_count(cells) > 0).arg_true()
    return 0 if idx.len() == 0 else int(idx[-1]) + 1
