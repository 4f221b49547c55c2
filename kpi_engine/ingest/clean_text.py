"""Text cells: whitespace, ids and yes/no values, plus the helpers the other cleaners share.

Every public function takes a String Series exactly as read from a cell (empty cell = "" or
null) and returns a new Series of the same length and name.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

# Characters that render as nothing (zero-width spaces, BOM, control characters such as the NUL
# Salesforce puts before rich-text values): dropped. Unicode spaces (NBSP U+00A0, narrow NBSP
# U+202F, thin space, ideographic space ...) are `\s` in Polars' regex and become one space.
_INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x7f",
    *map(chr, range(0x00, 0x09)), *map(chr, range(0x0E, 0x20)),
]  # fmt: skip

# Cells that mean "no value" in exports (compared after trimming and lower-casing).
PLACEHOLDERS: tuple[str, ...] = (
    "", "-", "--", "---", "—", "–", "−", "n/a", "na", "n.a.", "#n/a", "null", "none", "nan", "nil",
)  # fmt: skip

# Below this many rows, or with more than 1 distinct value in 4 rows, values are cleaned row by
# row; otherwise once per distinct value and joined back (dimension columns repeat a lot).
_DISTINCT_FROM_ROWS = 2_000


def squash(expr: pl.Expr) -> pl.Expr:
    """Unicode spaces to one space, runs collapsed, invisible characters dropped, trimmed."""
    text = expr.str.replace_many(_INVISIBLE, [""] * len(_INVISIBLE))
    return text.str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars()


def key(expr: pl.Expr) -> pl.Expr:
    """`squash` and lower-case: the form cells are compared in."""
    return squash(expr).str.to_lowercase()


def per_distinct(frame: pl.DataFrame, compute: Callable[[pl.DataFrame], pl.Series]) -> pl.Series:
    """`compute(frame)`, evaluated once per distinct row of `frame` when rows repeat a lot.

    `compute` must return one value per row of the frame it is given (vectorised)."""
    if frame.height >= _DISTINCT_FROM_ROWS:
        distinct = 1
        for count in frame.select(pl.all().approx_n_unique()).row(0):
            distinct *= count
        if distinct * 4 < frame.height:
            unique = frame.unique()
            values = compute(unique)
            mapped = unique.with_columns(values.alias("__value"))
            joined = frame.join(
                mapped, on=frame.columns, how="left", maintain_order="left", nulls_equal=True
            )
            return joined["__value"].alias(values.name)
    return compute(frame)


def apply_expr(s: pl.Series, expr: pl.Expr) -> pl.Series:
    """Evaluate `expr` (written on `pl.col("s")`) for the Series, keeping its name."""
    frame = pl.DataFrame({"s": s.cast(pl.String)})
    return per_distinct(frame, lambda f: f.select(expr.alias(s.name)).to_series())


# A cell `squash` would change: invisible or control characters, a space other than " ", two
# spaces in a row, or space at either end. Most columns have none: they skip the cleaning.
_NEEDS_SQUASH = r"[\x00-\x1f\x7f\u200b-\u200d\u2060\ufeff]|\s\s|[^\S ]|^\s|\s$"


def _empty_as_null(s: pl.Series) -> pl.Series:
    return pl.select(
        pl.when(pl.lit(s).str.len_bytes() > 0).then(pl.lit(s)).alias(s.name)
    ).to_series()


# literal forms of _NEEDS_SQUASH, searched with one Aho-Corasick pass (much faster than a regex)
_SQUASH_MARKS = [*_INVISIBLE, "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u1680",
                 *map(chr, range(0x2000, 0x200B)), "\u2028", "\u2029", "\u202f", "\u205f",
                 "\u3000", "\x85", "  "]


def _needs_squash(s: pl.Series) -> bool:
    return bool(
        pl.select(
            (pl.lit(s).str.contains_any(_SQUASH_MARKS) | pl.lit(s).str.starts_with(" ")
             | pl.lit(s).str.ends_with(" ")).any()
        ).item()
    )


def normalise_text(s: pl.Series) -> pl.Series:
    """NBSP and other unicode spaces to a space, runs collapsed, trimmed; empty -> null."""
    s = s.cast(pl.String)
    if not _needs_squash(s):
        return _empty_as_null(s)
    return apply_expr(s, squash(pl.col("s")).replace("", None))


def clean_id(s: pl.Series) -> pl.Series:
    """A key kept as text: `normalise_text`, then Excel's artefacts undone.

    A leading apostrophe (Excel's "store as text" prefix, "'4001" -> "4001") is removed and an
    integer rendered as a float ("10107.0" -> "10107", only digits + ".0") loses the ".0". Zero
    padding ("001462414") and scientific renderings ("2.88331E+11", not recoverable) are kept.
    """
    s = s.cast(pl.String)
    excel_artefact = pl.select(
        (pl.lit(s).str.starts_with("'") | pl.lit(s).str.starts_with("‘")
         | pl.lit(s).str.starts_with("’") | pl.lit(s).str.starts_with("`")
         | pl.lit(s).str.ends_with(".0")).any()
    ).item()
    if not excel_artefact and not _needs_squash(s):
        return _empty_as_null(s)
    text = squash(pl.col("s")).str.strip_chars_start("'‘’`").str.strip_chars_start()
    return apply_expr(s, text.str.replace(r"^(\d+)\.0$", "${1}").replace("", None))


_TRUE = (
    "yes", "y", "true", "t", "1", "1.0", "x", "✓", "✔", "☑", "✅", "checked", "on",
    "tak", "prawda", "да", "д", "истина", "ja", "j", "sant", "wahr", "是", "对", "對",
    "oui", "si", "sí", "verdadero",
)  # fmt: skip
_FALSE = (
    "no", "n", "false", "f", "0", "0.0", "unchecked", "off",
    "nie", "fałsz", "falsz", "нет", "н", "ложь", "nej", "falskt", "nein", "falsch", "否", "不",
    "non", "falso",
)  # fmt: skip
_BOOL_MAP: dict[str, bool] = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def parse_bool(s: pl.Series) -> pl.Series:
    """Yes/no in many languages, case-insensitive and trimmed; anything else and empty -> null.

    True: yes y true t 1 1.0 x ✓ ✔ checked on tak prawda да д ja j sant wahr 是 对 oui si sí.
    False: no n false f 0 0.0 unchecked off nie fałsz нет н nej falskt nein falsch 否 不 non.
    """
    expr = key(pl.col("s")).replace_strict(_BOOL_MAP, default=None, return_dtype=pl.Boolean)
    return apply_expr(s, expr)
