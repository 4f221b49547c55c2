"""Target periods as written -> one label: YYYY-MM, YYYY-Qn, YYYY, FY<yyyy>-Qn or FY<yyyy>.

Fiscal labels stay labels: which calendar months they cover depends on the fiscal_year_start
setting, applied when targets are evaluated, not when they are read.
"""

from __future__ import annotations

import polars as pl

_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^(?i)fy\s*'?(\d{4})\s*[-/ ]?\s*q([1-4])$", "FY${1}-Q${2}"),
    (r"^(?i)q([1-4])\s*[-/ ]?\s*fy\s*'?(\d{4})$", "FY${2}-Q${1}"),
    (r"^(?i)fy\s*'?(\d{4})$", "FY${1}"),
    (r"^(\d{4})\s*[-/ ]?\s*(?i:q|kw|кв)\.?\s*([1-4])$", "${1}-Q${2}"),
    (r"^(?i:q|kw|кв)\.?\s*([1-4])\s*[-/ ]?\s*(\d{4})$", "${2}-Q${1}"),
    (r"^([1-4])\s*(?i:q|kw|кв)\.?\s*[-/ ]?\s*(\d{4})$", "${2}-Q${1}"),
    (r"^(\d{4})(?:\.0+)?$", "${1}"),
    (r"^(\d{4})[-/.](0?[1-9]|1[0-2])$", "${1}-${2}"),
    (r"^(0?[1-9]|1[0-2])[-/.](\d{4})$", "${2}-${1}"),
)


def parse_period(s: pl.Series) -> pl.Series:
    """Labels for period texts; dates and month names give their month; null when unreadable."""
    from kpi_engine.ingest.clean import parse_date

    text = s.cast(pl.String).str.strip_chars()
    frame = pl.DataFrame({"t": text})
    labels = []
    for pattern, repl in _PATTERNS:
        labels.append(
            pl.when(pl.col("t").str.contains(pattern))
            .then(pl.col("t").str.replace(pattern, repl))
            .otherwise(None)
        )
    out = frame.select(pl.coalesce(labels).alias("p"))["p"]
    out = out.str.replace(r"^(\d{4})-(\d)$", "${1}-0${2}").str.to_uppercase()
    missing = out.is_null() & text.is_not_null() & (text != "")
    if missing.any():
        dates = parse_date(text).values
        from_dates = dates.dt.strftime("%Y-%m")
        out = pl.select(
            pl.when(pl.lit(missing)).then(pl.lit(from_dates)).otherwise(pl.lit(out))
        ).to_series()
    return out.alias(s.name)
