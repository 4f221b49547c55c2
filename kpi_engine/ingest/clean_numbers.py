"""Numbers written as text: money, counts, rates (vectorised Polars expressions)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi_engine.ingest.clean_currency import currency_expr
from kpi_engine.ingest.clean_text import apply_expr


@dataclass(frozen=True)
class NumberResult:
    values: pl.Series  # Float64, null when empty or unparseable
    currency: pl.Series  # String ISO code found in the cell, else null
    decimal_comma: bool  # the column's decision for cells like "1,234" / "1.234"
    unparsed: int  # non-empty cells that are not a number


# Digits are ASCII [0-9] everywhere: Polars' \d also matches "١٢٣", which no cast reads.
_SIMPLE = r"^-?[0-9]+(?:\.[0-9]+)?$"  # what XLSX readers and most CSVs write: the fast path

_EMPTY = r"(?i)^\s*(?:-+|—|–|−|n/?a|n\.a\.|#n/a|null|none|nan|nil)?\s*$"
_SCIENTIFIC = r"(?i)^\s*[-+]?[0-9]+(?:[.,][0-9]+)?e[-+]?[0-9]{1,3}\s*$"
# Written between digits as thousands separators: unicode spaces and apostrophes (Swiss "1'234").
_GAPS = [
    " ", "\t", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200C)), "\u202f", "\u205f", "\u3000",
    "'", "’", "\ufeff",
]  # fmt: skip
# Stripped from the text before and after the digits to leave the currency marker.
_NOISE = "".join(_GAPS) + ".,‘+-−–()%<>≤≥~≈*\x00"
# One separator after 1-3 digits (no leading zero) and before exactly 3: "795,836", "1.234".
_AMBIGUOUS = r"^[1-9][0-9]{0,2}[.,][0-9]{3}$"
# A number with "." as decimal and "," grouping by 3 (if at all).
_GROUPED = r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?$"


def _cell_decimal(body: pl.Expr) -> pl.Expr:
    """The decimal separator a cell shows by itself: "," or ".", null when it cannot tell."""
    commas = body.str.count_matches(",", literal=True)
    dots = body.str.count_matches(".", literal=True)
    return (
        pl.when((commas > 0) & (dots > 0))
        .then(pl.when(body.str.contains(r",[0-9]*$")).then(pl.lit(",")).otherwise(pl.lit(".")))
        .when(commas > 1)
        .then(pl.lit("."))
        .when(dots > 1)
        .then(pl.lit(","))
        .when(body.str.contains(_AMBIGUOUS))
        .then(pl.lit(None, pl.String))
        .when(commas == 1)
        .then(pl.lit(","))
        .when(dots == 1)
        .then(pl.lit("."))
    )


def parse_number(s: pl.Series) -> NumberResult:
    """Read numbers written as text, with the column's decimal separator decided once.

    Per cell: unicode spaces and apostrophes are thousands separators ("153 570,00",
    "1'234.50"); "(123.00)", "-123", "123-" are negative; "%", "<", ">", "~" are dropped
    ("< 10%" -> 10; `parse_fraction` reads rates); a currency symbol, local word or ISO code
    is returned in `currency` ("1 234,56 zł" -> PLN); scientific "2.88331E+11" is read as
    written; "", "-", "--", "—", "n/a", "null" ... are null and not counted as unparsed; any
    other leftover text ("12 pcs", "#DIV/0!") makes the cell unparsed.

    Decimal separator: a cell decides for itself when it can: with both "," and "." the last
    one is the decimal ("1.234,56", "4,838.80"); a separator used twice is a thousands one
    ("1.234.567", "1,234,567"); a single separator not followed by exactly 3 digits, or after a
    leading 0 or after 4+ digits, is the decimal ("12,5", "0,99", "22.00", "1234,567"). Only a
    cell with one separator between 1-3 digits and exactly 3 digits ("795,836", "1.234") is
    ambiguous: it follows the column, `decimal_comma` = more cells of the column show a decimal
    comma than a decimal dot (a tie, e.g. a column of only "1,234"-style values, reads the comma
    as thousands: 1234). A thousands-separated cell must group by 3, else it is unparsed.
    """
    frame = pl.DataFrame({"s": s.cast(pl.String)})
    col = pl.col("s")
    # fast path: every filled cell is a plain number (a cast alone reads it, and finite)
    cast = col.cast(pl.Float64, strict=False)
    cast_values = frame.select(cast.alias(s.name)).to_series()
    simple = frame.with_columns(v=cast_values).select(
        (pl.col("v").is_null() == ((col.str.len_bytes() == 0) | col.is_null())).all()
         & pl.col("v").is_finite().fill_null(True).all()
    ).item()
    if simple:
        currency = pl.Series(s.name, [None] * len(s), dtype=pl.String)
        return NumberResult(cast_values, currency, decimal_comma=False, unparsed=0)

    distinct = frame.select(col.approx_n_unique()).item()
    repeated = len(s) >= 2_000 and distinct * 4 < len(s)  # read each distinct text once
    texts = frame.group_by("s").len("n") if repeated else frame.with_columns(n=pl.lit(1))
    parsed, decimal_comma = _read_numbers(texts)
    unparsed = parsed.select(
        pl.col("n").filter(~pl.col("empty") & pl.col("values").is_null()).sum()
    )
    if repeated:
        parsed = frame.join(parsed, on="s", how="left", maintain_order="left", nulls_equal=True)
    return NumberResult(
        values=parsed["values"].alias(s.name),
        currency=parsed["currency"].alias(s.name),
        decimal_comma=decimal_comma,
        unparsed=int(unparsed.item()),
    )


def _read_numbers(texts: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """Columns s (text), n (rows with it) -> (s, n, values, currency, empty), decimal_comma."""
    col = pl.col("s")
    cells = texts.select(
        col,
        "n",
        empty=col.is_null() | col.str.contains(_EMPTY),
        scientific=col.str.contains(_SCIENTIFIC),
        pre=col.str.extract(r"^[^0-9]*", 0),  # no digit: signs, brackets, currency, "<"
        post=col.str.extract(r"[^0-9]*$", 0),  # no digit: currency, "%", ")", a trailing minus
    )
    pre, post = pl.col("pre"), pl.col("post")
    # ".5", "-,5": the separator went into the prefix; it comes back after a "0"
    lead = pl.when(pre.str.contains(r"[.,]$")).then(pl.concat_str(pl.lit("0"), pre.str.slice(-1)))
    body = pl.concat_str(lead.fill_null(""), col.str.strip_prefix(pre).str.strip_suffix(post))
    cells = cells.with_columns(
        marker=pl.concat_str(
            pre.str.strip_chars(_NOISE), post.str.strip_chars(_NOISE)
        ).str.to_lowercase(),
        negative=pre.str.contains("[-−–]")
        | post.str.contains(r"^[\s%]*-")
        | (pre.str.contains("(", literal=True) & post.str.contains(")", literal=True)),
        balanced=pre.str.contains("(", literal=True) == post.str.contains(")", literal=True),
        body=body.str.replace_many(_GAPS, [""] * len(_GAPS)),
    )
    work = cells.with_columns(
        currency=pl.when(pl.col("marker") != "").then(currency_expr(pl.col("marker"))),
    ).with_columns(
        candidate=~pl.col("empty")
        & ~pl.col("scientific")
        & pl.col("body").str.contains(r"^[0-9][0-9.,]*$")
        & pl.col("balanced")
        & ((pl.col("marker") == "") | pl.col("currency").is_not_null()),
        cell_decimal=_cell_decimal(pl.col("body")),
    )
    decided = pl.col("candidate") & pl.col("body").str.contains(r"[.,]")
    commas, dots = work.select(
        commas=pl.col("n").filter(decided & (pl.col("cell_decimal") == ",")).sum(),
        dots=pl.col("n").filter(decided & (pl.col("cell_decimal") == ".")).sum(),
    ).row(0)
    decimal_comma = commas > dots

    # Comma-decimal cells have their separators swapped, so one pattern checks the grouping.
    comma = pl.col("cell_decimal").fill_null(pl.lit("," if decimal_comma else ".")) == ","
    body = pl.col("body")
    swapped = pl.when(comma).then(body.str.replace_many([",", "."], [".", ","])).otherwise(body)
    work = work.with_columns(swapped=swapped)
    digits = pl.col("swapped").str.replace_all(",", "", literal=True)
    number = pl.when(pl.col("swapped").str.contains(_GROUPED)).then(digits).cast(pl.Float64, strict=False)
    scientific = col.str.strip_chars().str.replace(",", ".", literal=True)
    value = (
        pl.when(pl.col("empty"))
        .then(None)
        .when(pl.col("scientific"))
        .then(scientific.cast(pl.Float64, strict=False))
        .when(pl.col("candidate"))
        .then(pl.when(pl.col("negative")).then(-number).otherwise(number))
    )
    value = pl.when(value.is_finite()).then(value)  # "1e309" overflows: not a number
    out = work.select("s", "n", value.alias("values"), "currency", "empty", "scientific").select(
        "s",
        "n",
        "values",
        currency=pl.when(pl.col("values").is_not_null() & ~pl.col("scientific")).then("currency"),
        empty="empty",
    )
    return out, decimal_comma


def parse_fraction(s: pl.Series) -> pl.Series:
    """A rate as a fraction: "5%" -> 0.05, "12,5 %" -> 0.125, "0.2" -> 0.2, "1" -> 1.0.

    A cell with "%" is divided by 100, and so is every number above 1 in absolute value (the
    catalogue: "a number above 1 is read as a percentage", so "20" -> 0.2 but "1" -> 1.0 = 100 %).
    """
    values = parse_number(s).values
    percent = apply_expr(s, pl.col("s").str.contains("%", literal=True).fill_null(False))
    frame = pl.DataFrame({"v": values, "pct": percent})
    v = pl.col("v")
    # rounded to 12 places so that "70" gives 0.7, not 0.7000000000000001
    out = frame.select(
        pl.when(pl.col("pct") | (v.abs() > 1)).then((v / 100).round(12)).otherwise(v)
    )
    return out.to_series().alias(s.name)


def parse_int(s: pl.Series) -> pl.Series:
    """Whole numbers (Int64) via `parse_number`: "3.0" -> 3; "3.5" and out-of-range -> null."""
    v = pl.col("v")
    whole = (v == v.round(0)) & (v.abs() < 2.0**63)
    frame = pl.DataFrame({"v": parse_number(s).values})
    return frame.select(pl.when(whole).then(v).cast(pl.Int64)).to_series().alias(s.name)
