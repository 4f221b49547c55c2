"""A sheet as read: every record below the header as text, before any meaning is given to it.

The text is held compactly (`RawSheet.store`): a column repeating a few values is Categorical
(each distinct text kept once), an ISO date-time column of valid values is Datetime (its text is
exactly the value written in its format), any other column is String. Every cell's text is
recovered exactly (`RawSheet.text`, `RawSheet.cells`), so cleaning, the set-aside download and
mapping overrides see what the file holds, while a large file costs a fraction of the memory.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl


@dataclass(eq=False)
class RawSheet:
    """One file or sheet: header found, cells as text (column i is `c{i}`), junk rows still in.

    `store` has one row per record below the header up to the last non-empty one (a quoted
    multi-line field is one record); `line` holds each record's 1-based line (CSV) or row (sheet)
    number and `unreadable` marks records that could not be parsed (a wrong number of fields).
    """

    file: str
    sheet: str | None
    header: list[str]  # deduplicated header texts, one per column
    header_row: int | None  # 1-based
    # c0..c{n-1}: String ("" = empty cell), Categorical (null = empty) or Datetime (null =
    # empty, text = the value in formats[column])
    store: pl.DataFrame
    line: pl.Series  # Int64, the record's first line / row number
    unreadable: pl.Series  # Boolean
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    reason: str | None = None  # why no table could be found (no header ...)
    formats: dict[str, str] = field(default_factory=dict)  # Datetime column -> its text format
    _cells: pl.DataFrame | None = field(default=None, init=False, repr=False)
    _filled: pl.Series | None = field(default=None, init=False, repr=False)
    _junk: pl.Series | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.file} [{self.sheet}]" if self.sheet else self.file

    @property
    def rows_read(self) -> int:
        return self.store.height

    @property
    def cells(self) -> pl.DataFrame:
        """Every cell as text, "" for an empty one (built from `store` on first use)."""
        if self._cells is None:
            self._cells = self.text_frame(self.store)
        return self._cells

    def filled(self) -> pl.Series:
        """Per record, the number of cells holding something other than whitespace."""
        if self._filled is None or self._filled.len() != self.store.height:
            self._filled = filled_count(self.store, self.formats)
        return self._filled

    def junk(self) -> pl.Series:
        """Per record: unreadable, blank, repeated_header, footer, totals or null (junk.py);
        it depends on the cells alone, so it is worked out once, whatever the mapping."""
        if self._junk is None or self._junk.len() != self.store.height:
            from kpi_engine.ingest.junk import structural_reasons

            self._junk = structural_reasons(self.store, self.header, self.unreadable,
                                            self.formats, self.filled())
        return self._junk

    def text(self, column: str) -> pl.Series:
        """One column's cells as text ("" for an empty cell)."""
        return to_text(self.store[column], self.formats.get(column))

    def text_frame(self, store: pl.DataFrame) -> pl.DataFrame:
        """Rows of `store` (or a selection of them) as text."""
        if all(dt == pl.String for dt in store.dtypes):
            return store
        return store.select(to_text_expr(c, store.schema[c], self.formats.get(c))
                            for c in store.columns)

    def column(self, column: str) -> tuple[pl.Series, str | None]:
        """One column as stored, with its text format (Datetime columns)."""
        return self.store[column], self.formats.get(column)


def is_categorical(dtype: Any) -> bool:
    """A Categorical dtype, global or with categories of its own."""
    return isinstance(dtype, pl.Categorical) or dtype == pl.Categorical


def new_categorical(small: bool = False) -> pl.Categorical:
    """A Categorical dtype with categories of its own: codes 0, 1, 2 ... for this column
    alone, so that looking values up by code needs a table of its distinct values only.
    `small`: one-byte codes (at most 255 distinct values; Polars refuses more)."""
    return pl.Categorical(pl.Categories.random(physical=pl.UInt8 if small else pl.UInt32))


def to_text(values: pl.Series, fmt: str | None = None) -> pl.Series:
    if values.dtype == pl.String:
        return values
    if is_categorical(values.dtype):
        if values.len() <= 4096:  # a few values (distinct ones, a sample)
            return values.cast(pl.String).fill_null("")
        return categorical_text(values).fill_null("")
    return pl.select(to_text_expr(values.name, values.dtype, fmt, pl.lit(values))).to_series()


def to_text_expr(name: str, dtype: Any, fmt: str | None = None,
                 col: pl.Expr | None = None) -> pl.Expr:
    col = pl.col(name) if col is None else col
    if dtype == pl.String:
        return col.alias(name)
    if isinstance(dtype, pl.Datetime):
        assert fmt is not None, f"{name}: a date-time column needs its text format"
        return col.dt.to_string(fmt).fill_null("").alias(name)
    return col.cast(pl.String).fill_null("").alias(name)


def chunk_lengths(frame: pl.DataFrame | pl.Series) -> list[int]:
    """How the rows of a frame's first column (or a Series) are split into chunks."""
    if isinstance(frame, pl.DataFrame):
        if frame.width == 0:
            return [frame.height]
        frame = frame.to_series(0)
    return [len(chunk) for chunk in frame.get_chunks()]


def align(values: pl.Series, lengths: list[int]) -> pl.Series:
    """`values` split into chunks of these lengths, like the columns it joins in a frame.

    A frame whose columns are split alike is never copied to align them (which Polars does
    for every column at once, doubling the frame's memory for a moment); and a sum over the
    chunks adds up in the same order as for a column typed from the text in place."""
    if len(lengths) <= 1 and values.n_chunks() == 1:
        return values
    if [len(chunk) for chunk in values.get_chunks()] == lengths:
        return values
    parts, offset = [], 0
    for n in lengths:
        piece = values.slice(offset, n)
        parts.append(piece.rechunk() if piece.n_chunks() > 1 else piece)
        offset += n
    return pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]


def categories_of(values: pl.Series) -> pl.Series | None:
    """Every text of a Categorical column with categories of its own, the one with code i at
    position i (the column's values, and perhaps a few more); None for global categories or
    when listing them would cost more than finding the column's distinct values."""
    categories = values.dtype.categories if isinstance(values.dtype, pl.Categorical) else None
    if categories is None or categories.is_global():
        return None
    top = values.to_physical().max()
    if top is None or int(top) + 1 > max(4096, values.len() // 8):  # type: ignore[arg-type]
        return None
    name = categories.name()
    known = _DICTIONARIES.get(name)
    if known is None or known.len() <= int(top):  # type: ignore[arg-type]
        known = categories.to_series()  # (a loop in Python: kept for the next call)
        if len(_DICTIONARIES) >= 256:
            _DICTIONARIES.clear()
        _DICTIONARIES[name] = known
    return known.alias(values.name)


# the texts of the Categories of columns, by name: a column's categories only grow while it is
# read, so a list as long as the column's largest code is its list
_DICTIONARIES: dict[str, pl.Series] = {}


def by_code(values: pl.Series, table: pl.Series) -> pl.Series:
    """Row i gets table[code of row i] (null for a null value), split into chunks alike."""
    return align(table.gather(values.to_physical()), chunk_lengths(values)).alias(table.name)


def categorical_text(values: pl.Series) -> pl.Series:
    """A Categorical column as String: each row's text looked up by its code."""
    dictionary = categories_of(values)
    if dictionary is not None:
        return by_code(values, dictionary).alias(values.name)
    distinct = values.unique()
    return spread(values, distinct, distinct.cast(pl.String)).alias(values.name)


def decategorise(frame: pl.DataFrame) -> pl.DataFrame:
    """Categorical columns (text held once per distinct value) as plain String columns."""
    cats = [c for c, dt in frame.schema.items() if is_categorical(dt)]
    return frame.with_columns(categorical_text(frame[c]) for c in cats) if cats else frame


def per_category(values: pl.Series, compute: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`compute` (a function of each cell's text alone, whatever the other cells hold)
    evaluated once per distinct value of a Categorical column and spread back to every row.

    A String result stays Categorical (the few distinct results, one code per row)."""
    distinct = values.unique()
    result = compute(to_text(distinct))
    if result.dtype == pl.String:
        result = result.cast(new_categorical())
    return spread(values, distinct, result).alias(result.name)


def spread(values: pl.Series, distinct: pl.Series, result: pl.Series) -> pl.Series:
    """Each row of the Categorical `values` gets the `result` of its value in `distinct`
    (`distinct` holds every value of `values`, null included), split into chunks alike."""
    codes = distinct.to_physical()
    where = codes.is_not_null()
    size = int(codes.max() or 0) + 1 if where.any() else 1
    lookup = pl.Series(result.name, [None] * size, dtype=result.dtype)
    lookup = lookup.scatter(codes.filter(where), result.filter(where))
    out = align(lookup.gather(values.to_physical()), chunk_lengths(values))
    at_null = result.filter(~where)
    if values.null_count() and at_null.len() and at_null[0] is not None:  # an empty cell's
        out = pl.select(pl.when(pl.lit(values).is_null()).then(pl.lit(at_null))
                        .otherwise(pl.lit(out))).to_series()
    return out


def empty_sheet(file: str, sheet: str | None, reason: str, **kw: Any) -> RawSheet:
    return RawSheet(
        file=file,
        sheet=sheet,
        header=[],
        header_row=None,
        store=pl.DataFrame(),
        line=pl.Series("line", [], dtype=pl.Int64),
        unreadable=pl.Series("unreadable", [], dtype=pl.Boolean),
        reason=reason,
        **kw,
    )


def column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def nonempty(values: pl.Series) -> pl.Series:
    """True where the cell holds at least one character (a column as stored)."""
    if values.dtype == pl.String:
        return values.str.len_bytes().fill_null(0) > 0
    if is_categorical(values.dtype):
        dictionary = categories_of(values)
        if dictionary is not None and bool((dictionary.str.len_bytes() > 0).all()):
            return values.is_not_null()  # no category is an empty text
        return values.cat.len_bytes().fill_null(0) > 0
    return values.is_not_null()


def longest(values: pl.Series) -> int:
    """The largest number of bytes in a cell of the column (as stored)."""
    if values.dtype == pl.String:
        return int(values.str.len_bytes().max() or 0)  # type: ignore[arg-type]
    if is_categorical(values.dtype):
        dictionary = categories_of(values)
        lengths = dictionary.str.len_bytes() if dictionary is not None \
            else values.cat.len_bytes()
        return int(lengths.max() or 0)  # type: ignore[arg-type]
    return 32  # a date-time's text


def filled_count(cells: pl.DataFrame, formats: dict[str, str] | None = None) -> pl.Series:
    """Per record, the number of cells holding something other than whitespace.

    Counted fast on byte lengths, one column at a time (little memory for a wide sheet); only
    records with at most two non-empty cells (blank or footer candidates, few in any file)
    are counted again with whitespace stripped.
    """
    if cells.width == 0:
        return pl.Series("n", [0] * cells.height, dtype=pl.UInt32)
    fast = pl.repeat(0, cells.height, dtype=pl.UInt32, eager=True)
    always = 0  # columns without an empty cell
    for c in cells.columns:
        filled = nonempty(cells[c])
        if filled.null_count() == 0 and filled.all():
            always += 1
        else:
            fast = fast + filled.cast(pl.UInt32)
    fast = (fast + always).alias("n") if always else fast.alias("n")
    few = (fast <= 2).arg_true()
    if few.len() == 0:
        return fast
    schema = cells.schema
    text = cells[few].select(to_text_expr(c, schema[c], (formats or {}).get(c))
                             for c in cells.columns)
    exact = text.select(
        pl.sum_horizontal([pl.col(c).fill_null("").str.strip_chars() != "" for c in text.columns])
        .cast(pl.UInt32).alias("n")
    )["n"]
    return fast.scatter(few, exact)


def trim_trailing_empty(cells: pl.DataFrame) -> int:
    """Number of records up to the last non-empty one (trailing empty records are not rows)."""
    if cells.height == 0 or cells.width == 0:
        return 0
    idx = (filled_count(cells) > 0).arg_true()
    return 0 if idx.len() == 0 else int(idx[-1]) + 1


# How a column is held (plan_columns): "cat" or "cat8" (Categorical, codes of 4 or 1 bytes) or
# a date-time format (text, then Datetime when every value is valid); any other: String.
Plan = dict[str, str]
ISO_DATETIMES = ((r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
                 (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"))
CATEGORICAL_MIN = 16  # at most this many distinct values in the sample: Categorical


def plan_columns(sample: pl.DataFrame) -> Plan:
    """Decide from the first records (all text) how each column is held.

    Only the memory and the speed depend on the plan: every cell's text is kept exactly. A
    column of ISO date-times that do not repeat much is kept as Datetime (8 bytes a cell);
    another column is Categorical when that looks smaller than plain text: a cell costs 4
    bytes and each distinct value its text and about 40 bytes once, against 16 bytes a cell
    plus the text of any longer than 12 bytes (the share of distinct values in the sample
    stands for the file's, which only falls as a file repeats its values)."""
    plan: Plan = {}
    for c in sample.columns:
        values = sample[c].fill_null("")
        values = values.filter(values.str.len_bytes() > 0)
        if values.len() == 0:
            continue
        distinct = values.n_unique()
        if distinct <= CATEGORICAL_MIN:
            plan[c] = "cat8"  # codes of one byte (read again with four if more turn up)
            continue
        share = distinct / values.len()
        if share > 0.05:
            fmt = next((f for p, f in ISO_DATETIMES if bool(values.str.contains(p).all())), None)
            if fmt is not None:
                plan[c] = fmt
                continue
        size = float(values.str.len_bytes().mean() or 0.0)
        if 4 + share * (size + 40) < 16 + (size if size > 12 else 0):
            plan[c] = "cat"
    return plan


def compact(cells: pl.DataFrame, plan: Plan) -> tuple[pl.DataFrame, dict[str, str]]:
    """Text cells (String, "" for an empty cell) held as the plan says, and the formats of
    the columns that became Datetime (a reader that parses them itself takes typed_dates)."""
    cats = {c: how for c, how in plan.items()
            if how.startswith("cat") and c in cells.columns and cells.schema[c] == pl.String}

    def held(small: bool) -> list[pl.Expr]:  # an empty cell is null, as when parsed
        return [pl.col(c).replace("", None).cast(new_categorical(small and how == "cat8"))
                for c, how in cats.items()]

    if cats:
        try:
            casts = cells.select(held(True))
        except pl.exceptions.PolarsError:  # more distinct values than one byte holds
            casts = cells.select(held(False))
        cells = cells.with_columns(align(s, chunk_lengths(cells)) for s in casts)
    return typed_dates(cells, plan)


def typed_dates(cells: pl.DataFrame, plan: Plan) -> tuple[pl.DataFrame, dict[str, str]]:
    """Columns planned as date-times become Datetime when every non-empty cell is a valid
    date-time written exactly in the format (so the format gives each cell's text back)."""
    planned = {c: fmt for c, fmt in plan.items()
               if not fmt.startswith("cat") and c in cells.columns and cells.schema[c] == pl.String}
    if not planned or cells.height == 0:
        return cells, {}
    typed: dict[str, str] = {}
    columns: list[pl.Series] = []
    layout = chunk_lengths(cells)
    for c, fmt in planned.items():
        pattern = next(p for p, f in ISO_DATETIMES if f == fmt)
        text = cells[c]
        with ThreadPoolExecutor(max_workers=2) as pool:  # side by side: Polars frees the GIL
            parsed = pool.submit(text.str.to_datetime, fmt, time_unit="us", strict=False)
            written = pool.submit(lambda t=text, p=pattern: int(t.str.contains(p).sum()))
            value, exact = parsed.result(), written.result()  # "" -> null
        # every non-empty cell written in the format and a valid date-time
        if exact == value.len() - value.null_count() == text.len() - int(
                (text.str.len_bytes() == 0).sum()):
            typed[c] = fmt
            columns.append(align(value, layout).alias(c))
    return (cells.with_columns(columns) if columns else cells), typed
