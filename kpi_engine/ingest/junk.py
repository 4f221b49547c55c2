"""Rows that are not data: blank, a repeated header, a footer line, a totals row."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from kpi_engine.ingest.raw import (
    filled_count,
    is_categorical,
    nonempty,
    per_category,
    to_text,
    to_text_expr,
)

TOTAL_WORDS = (
    "total", "totals", "grand total", "sum", "summa", "summa totalt", "totalt", "totalsumma",
    "razem", "suma", "ogółem", "ogolem", "łącznie", "lacznie", "gesamt", "summe", "gesamtsumme",
    "итого", "всего", "итог", "合计", "總計", "总计", "合計", "小计", "subtotal", "sub total",
)
_TOTAL_RE = (
    r"^(?i)\s*(?:" + "|".join(w.replace(" ", r"\s+") for w in TOTAL_WORDS)
    + r")(?:\s*[:.\-–]\s*.*|\s*\(.*\))?\s*$"
)


def structural_reasons(cells: pl.DataFrame, header: list[str], unreadable: pl.Series,
                       formats: dict[str, str] | None = None,
                       count: pl.Series | None = None) -> pl.Series:
    """Per record: unreadable, blank, repeated_header, footer, totals (in that order) or null.

    `cells` as stored (raw.RawSheet.store: String, Categorical or Datetime columns); `count`
    its filled_count when already known."""
    n = cells.height
    if n == 0:
        return pl.Series("reason", [], dtype=pl.String)
    formats = formats or {}
    count = filled_count(cells, formats) if count is None else count
    blank = count == 0
    with ThreadPoolExecutor(max_workers=2) as pool:  # side by side: Polars frees the GIL
        labels = pool.submit(_totals_label, cells)
        repeated = _repeated_header(cells, header, count, formats)
        totals = labels.result()
    wide = (count >= 2).arg_true()
    last_data = int(wide[-1]) if wide.len() else -1
    footer = (count == 1) & (pl.int_range(0, n, eager=True) > last_data)
    # a one-cell line after the data is a footer even though it has too few fields
    return pl.select(
        pl.when(pl.lit(unreadable) & ~pl.lit(footer)).then(pl.lit("unreadable"))
        .when(pl.lit(blank)).then(pl.lit("blank"))
        .when(pl.lit(repeated)).then(pl.lit("repeated_header"))
        .when(pl.lit(footer)).then(pl.lit("footer"))
        .when(pl.lit(totals)).then(pl.lit("totals"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("reason")
    ).to_series()


def _totals_label(cells: pl.DataFrame) -> pl.Series:
    """Rows whose first non-empty cell is a totals label ("Total:", "Razem", "Итого" ...).

    Column by column, each on the rows not yet settled by an earlier one (in most sheets the
    first column settles every row)."""
    n = cells.height
    totals = pl.repeat(False, n, eager=True)
    open_rows: pl.Series | None = None  # rows whose cells so far were all empty
    for c, dt in cells.schema.items():
        filled = nonempty(cells[c])
        first = filled if open_rows is None else (filled & open_rows)
        hits = int(first.sum())
        if hits and not isinstance(dt, pl.Datetime):  # a date-time's text is never a label
            values = cells[c]
            if is_categorical(dt):
                match = per_category(values, lambda t: t.str.contains(_TOTAL_RE).fill_null(False))
                totals = totals | (first & match)
            elif hits == n:
                totals = totals | values.str.contains(_TOTAL_RE).fill_null(False)
            else:
                at = first.arg_true()
                match = values.gather(at).str.contains(_TOTAL_RE).fill_null(False)
                totals = totals.scatter(at.filter(match), True)
        open_rows = ~filled if open_rows is None else (open_rows & ~filled)
        if not open_rows.any():
            break
    return totals


def _repeated_header(cells: pl.DataFrame, header: list[str], count: pl.Series,
                     formats: dict[str, str]) -> pl.Series:
    """Rows repeating the header texts (at least two cells, 80 % of the filled ones)."""
    keys = [(f"c{i}", h.casefold().strip()) for i, h in enumerate(header)
            if h.strip() and not h.startswith("Column ")]
    flags = pl.repeat(False, cells.height, eager=True)
    if len(keys) < 2:
        return flags
    first_col, first_key = keys[0]
    pattern = rf"(?i)^\s*{re.escape(first_key)}\s*$"
    values = cells[first_col]
    if is_categorical(values.dtype):
        found = per_category(values, lambda t: t.str.contains(pattern))
    else:
        found = to_text(values, formats.get(first_col)).str.contains(pattern)
    candidates = found.arg_true()
    if candidates.len() == 0:
        return flags
    rows = cells[candidates]
    rows = rows.select(to_text_expr(c, rows.schema[c], formats.get(c)) for c in rows.columns)
    same = rows.select(
        pl.sum_horizontal([(pl.col(c).str.strip_chars().str.to_lowercase() == k).cast(pl.Int32)
                           for c, k in keys]).alias("s")
    )["s"]
    hit = (same >= 2) & (same >= 0.8 * count.gather(candidates))
    return flags.scatter(candidates.filter(hit), True)


def unlabelled_totals(numbers: pl.DataFrame, candidates: pl.Series) -> pl.Series:
    """The first or last candidate row whose numbers are the sums of the other rows' columns.

    `numbers` holds the sheet's parsed numeric fields; `candidates` marks rows still counted
    as data. Needs at least three other rows, and at least two columns (60 % of those the row
    fills) that add up, within rounding.
    """
    n = numbers.height
    flags = [False] * n
    rows = candidates.arg_true()
    if rows.len() < 4 or numbers.width == 0:
        return pl.Series("totals", flags, dtype=pl.Boolean)
    data = numbers if rows.len() == n else numbers.filter(candidates)
    sums = data.select(pl.all().sum())
    for pos, k in ((0, int(rows[0])), (rows.len() - 1, int(rows[-1]))):
        row = data.row(pos)
        matched = tried = 0
        for j, col in enumerate(data.columns):
            v = row[j]
            rest = float(sums[col][0] or 0.0) - (v or 0.0)
            others = data[col].len() - data[col].null_count() - (v is not None)
            if v is None or others < 3 or rest == 0:
                continue
            tried += 1
            if abs(v - rest) <= max(0.011, 1e-4 * abs(rest)):
                matched += 1
        if matched >= 2 and matched >= 0.6 * tried:
            flags[k] = True
    return pl.Series("totals", flags, dtype=pl.Boolean)
