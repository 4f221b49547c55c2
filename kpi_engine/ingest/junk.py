"""Rows that are not data: blank, a repeated header, a footer line, a totals row."""

from __future__ import annotations

import polars as pl

TOTAL_WORDS = (
    "total", "totals", "grand total", "sum", "summa", "summa totalt", "totalt", "totalsumma",
    "razem", "suma", "ogółem", "ogolem", "łącznie", "lacznie", "gesamt", "summe", "gesamtsumme",
    "итого", "всего", "итог", "合计", "總計", "总计", "合計", "小计", "subtotal", "sub total",
)
_TOTAL_RE = (
    r"^(?i)(?:" + "|".join(w.replace(" ", r"\s+") for w in TOTAL_WORDS)
    + r")(?:\s*[:.\-–]\s*.*|\s*\(.*\))?$"
)


def nonempty_mask(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.select([(pl.col(c).str.strip_chars() != "").alias(c) for c in cells.columns])


def structural_reasons(cells: pl.DataFrame, header: list[str], unreadable: pl.Series) -> pl.Series:
    """Per record: unreadable, blank, repeated_header, footer, totals (in that order) or null."""
    n = cells.height
    if n == 0:
        return pl.Series("reason", [], dtype=pl.String)
    cols = cells.columns
    filled = nonempty_mask(cells)
    count = filled.select(pl.sum_horizontal(pl.all()).alias("n"))["n"]
    blank = count == 0
    header_keys = [h.casefold().strip() for h in header]
    same = cells.select(
        pl.sum_horizontal(
            [(pl.col(c).str.strip_chars().str.to_lowercase() == header_keys[i]).cast(pl.Int32)
             for i, c in enumerate(cols) if header_keys[i] and not header_keys[i].startswith("column ")]
            or [pl.lit(0)]
        ).alias("s")
    )["s"]
    repeated = (same >= 2) & (same >= 0.8 * count)
    wide = (count >= 2).arg_true()
    last_data = int(wide[-1]) if wide.len() else -1
    index = pl.int_range(0, n, eager=True)
    footer = (count == 1) & (index > last_data)
    first_cell = cells.select(
        pl.coalesce([pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars())
                     for c in cols]).alias("f")
    )["f"]
    totals = first_cell.str.contains(_TOTAL_RE).fill_null(False)
    return pl.select(
        pl.when(pl.lit(unreadable)).then(pl.lit("unreadable"))
        .when(pl.lit(blank)).then(pl.lit("blank"))
        .when(pl.lit(repeated)).then(pl.lit("repeated_header"))
        .when(pl.lit(footer)).then(pl.lit("footer"))
        .when(pl.lit(totals)).then(pl.lit("totals"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("reason")
    ).to_series()


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
    data = numbers.filter(candidates)
    sums = data.select(pl.all().sum())
    for pos, k in ((0, int(rows[0])), (rows.len() - 1, int(rows[-1]))):
        row = data.row(pos)
        matched = tried = 0
        for j, col in enumerate(data.columns):
            v = row[j]
            rest = float(sums[col][0] or 0.0) - (v or 0.0)
            others = data[col].drop_nulls().len() - (v is not None)
            if v is None or others < 3 or rest == 0:
                continue
            tried += 1
            if abs(v - rest) <= max(0.011, 1e-4 * abs(rest)):
                matched += 1
        if matched >= 2 and matched >= 0.6 * tried:
            flags[k] = True
    return pl.Series("totals", flags, dtype=pl.Boolean)
