"""Most columns of a real export need no cleaning at all: plain numbers, ISO dates, tidy text.

All of them are typed in ONE Polars plan (so Polars spreads the columns over every core with
no Python in between), each with a check computed in the same plan. A column whose check fails
goes through the full cleaner (clean.py) instead, so the result is the same either way.

A Categorical column (raw.py) is typed and checked once per distinct value; a column already
read as Datetime in its ISO format is its own typed value.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import polars as pl

from kpi_engine.ingest.clean_text import _INVISIBLE
from kpi_engine.ingest.raw import RawSheet, by_code, categories_of, is_categorical, spread, to_text
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


def _plan(f: Field, c: str, sample: pl.Series) -> tuple[pl.Expr | None, pl.Expr] | None:
    """The typed values and the check of one text column; no values expression for text and
    ids: they are the column itself with empty cells as null."""
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
            return None, ~bad.any()
        case _:
            return None


def fast_columns(raw: RawSheet, fields: list[tuple[Field, str]],
                 samples: dict[str, pl.Series]) -> dict[str, pl.Series]:
    """field name -> typed values for the columns that needed no cleaning."""
    out: dict[str, pl.Series] = {}
    text: dict[str, pl.Series] = {}
    exprs: list[pl.Expr] = []
    names: list[tuple[str, str, bool]] = []  # field, column, whether a values expression
    categorical: list[tuple[Field, pl.Series, pl.Series]] = []
    for f, c in fields:
        values, fmt = raw.column(c)
        sample = samples.get(c, pl.Series([], dtype=pl.String))
        if is_categorical(values.dtype):
            categorical.append((f, values, sample))
            continue
        if isinstance(values.dtype, pl.Datetime) and f.kind in ("date", "datetime") \
                and _date_format(sample) == fmt:  # what its text would be parsed to
            out[f.name] = (values if f.kind == "datetime" else values.dt.date()).alias(f.name)
            continue
        planned = _plan(f, c, sample)
        if planned is None:
            continue
        text[c] = to_text(values, fmt)
        v, ok = planned
        if v is not None:
            exprs.append(v.alias(f"v_{f.name}"))
        else:
            exprs.append((pl.col(c).str.len_bytes() == 0).any().alias(f"e_{f.name}"))
        exprs.append(ok.alias(f"ok_{f.name}"))
        names.append((f.name, c, v is not None))
    frame = pl.DataFrame(text)
    with ThreadPoolExecutor(max_workers=1) as pool:  # side by side: Polars frees the GIL
        plan = pool.submit(lambda: frame.lazy().select(exprs).collect()) if exprs else None
        for f, values, sample in categorical:
            typed = _categorical(f, values, sample)
            if typed is not None:
                out[f.name] = typed.alias(f.name)
        result = plan.result() if plan is not None else None
    if result is None:
        return out
    for name, c, has_values in names:
        if not result[f"ok_{name}"][0]:
            continue
        if has_values:
            out[name] = result[f"v_{name}"].alias(name)
        elif result[f"e_{name}"][0]:  # empty cells as null
            col = frame[c]
            out[name] = pl.select(pl.when(pl.lit(col).str.len_bytes() > 0).then(pl.lit(col))
                                  ).to_series().alias(name)
        else:
            out[name] = frame[c].alias(name)  # the column itself, not a copy
    return out


def _categorical(f: Field, values: pl.Series, sample: pl.Series) -> pl.Series | None:
    """The fast path of a Categorical column, checked and typed once per distinct value (all
    the column's categories first: when they all pass, so do the values among them)."""
    planned = _plan(f, "c", sample)
    if planned is None:
        return None
    dictionary = categories_of(values)
    for distinct in ((dictionary,) if dictionary is not None else ()) + (None,):
        by_table = distinct is not None
        if distinct is None:
            distinct = values.unique()
        typed = _checked(planned, to_text(distinct))
        if typed is None:
            continue
        v, ok = planned
        if v is None:  # text and ids: the values themselves, an empty text as null
            if bool((distinct.cast(pl.String) == "").any()):
                return pl.select(pl.when(pl.lit(values).cat.len_bytes() > 0)
                                 .then(pl.lit(values))).to_series()
            return values
        return by_code(values, typed) if by_table else spread(values, distinct, typed)
    return None


def _checked(planned: tuple[pl.Expr | None, pl.Expr], text: pl.Series) -> pl.Series | None:
    """The typed values of these texts when all of them pass the check (else None); for text
    and ids, the texts themselves."""
    v, ok = planned
    checked = pl.DataFrame({"c": text}).select(ok.alias("ok"), *([v.alias("v")] if v is not None
                                                                 else []))
    if not checked["ok"][0]:
        return None
    return checked["v"] if v is not None else text
