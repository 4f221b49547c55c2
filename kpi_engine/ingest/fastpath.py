"""Most columns of a real export need no cleaning at all: plain numbers, ISO dates, tidy text.

All of them are typed in ONE Polars plan (so Polars spreads the columns over every core with
no Python in between), each with a check computed in the same plan. A column whose check fails
goes through the full cleaner (clean.py) instead, so the result is the same either way.
"""

from __future__ import annotations

import polars as pl

from kpi_engine.ingest.clean_text import _INVISIBLE
from kpi_engine.model import Field

_MARKS = [*_INVISIBLE, "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u1680",
          *map(chr, range(0x2000, 0x200B)), "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
          "\x85", "  "]
_ISO = ((r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
        (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"))


def _date_format(sample: pl.Series) -> str | None:
    for pattern, fmt in _ISO:
        if sample.len() and bool(sample.str.contains(pattern).all()):
            return fmt
    return None


def _plan(f: Field, c: str, sample: pl.Series) -> tuple[pl.Expr, pl.Expr] | None:
    col = pl.col(c)
    empty = col.str.len_bytes() == 0
    match f.kind:
        case "money" | "number":
            v = col.cast(pl.Float64, strict=False)
            ok = (v.is_null() == empty).all() & v.is_finite().fill_null(True).all()
            return v, ok
        case "date" | "datetime":
            fmt = _date_format(sample)
            if fmt is None:
                return None
            v = col.str.to_datetime(fmt, time_unit="us", strict=False)
            v = v if f.kind == "datetime" else v.dt.date()
            return v, (v.is_null() == empty).all()
        case "text" | "id":
            bad = col.str.contains_any(_MARKS) | col.str.starts_with(" ") | col.str.ends_with(" ")
            if f.kind == "id":
                bad = bad | col.str.starts_with("'") | col.str.ends_with(".0")
            return pl.when(~empty).then(col), ~bad.any()
        case _:
            return None


def fast_columns(cells: pl.DataFrame, fields: list[tuple[Field, str]],
                 samples: dict[str, pl.Series]) -> dict[str, pl.Series]:
    """field name -> typed values for the columns that needed no cleaning."""
    exprs: list[pl.Expr] = []
    names: list[str] = []
    for f, c in fields:
        planned = _plan(f, c, samples.get(c, pl.Series([], dtype=pl.String)))
        if planned is None:
            continue
        v, ok = planned
        exprs += [v.alias(f"v_{f.name}"), ok.alias(f"ok_{f.name}")]
        names.append(f.name)
    if not exprs:
        return {}
    out = cells.lazy().select(exprs).collect()
    return {name: out[f"v_{name}"].alias(name) for name in names if out[f"ok_{name}"][0]}
