"""Base measures, written once, as lazy plans (kpi_engine/plan.py): the order lines every
orders-based KPI counts, the range and period index of a row, and case-insensitive breakdowns;
and the finish helpers on small collected frames (a value per period, the breakdown of a count
summary).

Frames are the upload's used rows (already without cancelled, duplicate or other-currency rows)
filtered by the query (`Context.lf`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl

from kpi_engine.context import Context, between

NONE_KEY = "(none)"
T = TypeVar("T")


EPOCH = dt.date(1970, 1, 1)


# -- sub-plans shared by several KPIs -------------------------------------------------------
def shared(ctx: Context, key: str, make: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
    """One cached LazyFrame per context for a sub-plan several frames start from: the same
    cache node in every plan, so `collect_all` runs it once (the optimiser's own sharing misses
    it once it has pushed each plan's filters down into it)."""
    memo = ctx.__dict__.setdefault("_measure_cache", {})
    if key not in memo:
        memo[key] = make().cache()
    return memo[key]


def shared_value(ctx: Context, key: str, make: Callable[[], T]) -> T:
    """A value computed once per context (a lookup table, a small plan-time fact)."""
    memo = ctx.__dict__.setdefault("_measure_values", {})
    if key not in memo:
        memo[key] = make()
    return memo[key]


def range_lines(ctx: Context) -> pl.LazyFrame:
    """The range's valid order lines with `_row` (the line's index among the filtered lines,
    as orders_lf), `d` (its day) and `_pid`: the one cached frame that the revenue, customer
    and margin KPIs aggregate."""
    lf = ctx.lf("orders")
    assert lf is not None
    return shared(ctx, "measures:range_lines", lambda: (
        lf.with_row_index("_row").filter(in_range(ctx, "order_date"))
        .with_columns(d=pl.col("order_date").dt.date(), _pid=pid(ctx, "order_date"))))


# -- what the KPIs plan on ------------------------------------------------------------------
def orders_lf(ctx: Context) -> pl.LazyFrame:
    """The valid order lines with `d` (the order's day), `okey` (the order: its id, else the
    row) and `ckey` (the customer, e-mails compared case-insensitively)."""
    lf = ctx.lf("orders")
    assert lf is not None
    return lf.with_row_index("_row").with_columns(
        d=pl.col("order_date").dt.date(),
        okey=pl.coalesce(pl.col("order_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
        ckey=pl.when(pl.col("customer_id").str.contains("@"))
        .then(pl.col("customer_id").str.to_lowercase())
        .otherwise(pl.col("customer_id")),
    )


def in_range(ctx: Context, col: str) -> pl.Expr:
    """Rows whose `col` (date or date-time) lies in the query's range."""
    return between(col, ctx.start, ctx.end)


def pid(ctx: Context, col: str) -> pl.Expr:
    """`_pid`: the index in ctx.periods of the period holding each row's `col` (date or
    date-time), for rows in the range only (filter with `in_range` first): looked up in a table
    of the range's days, a few times faster than a search per row over a million lines."""
    lut = shared_value(ctx, "measures:day_periods", lambda: pl.Series(
        [i for i, p in enumerate(ctx.periods) for _ in range((p.clip_end - p.clip_start).days + 1)],
        dtype=pl.UInt32))
    day = pl.col(col).cast(pl.Date).cast(pl.Int32) - (ctx.start - EPOCH).days
    inside = (day >= 0) & (day < lut.len())  # else null: never another period's index
    return pl.when(inside).then(pl.lit(lut).gather(day.clip(0, lut.len() - 1))).alias("_pid")


def by_pid(ctx: Context, frame: pl.DataFrame, col: str, empty: Any = None) -> dict[str, Any]:
    """{period label: frame[col]} for a frame with one row per `_pid`; `empty` for a period
    without a row (or with a null)."""
    values: list[Any] = [empty] * len(ctx.periods)
    for i, v in zip(frame["_pid"], frame[col], strict=True):
        values[i] = empty if v is None else v
    return {p.label: v for p, v in zip(ctx.periods, values, strict=True)}


def names_lf(lf: pl.LazyFrame, dim: str) -> pl.LazyFrame:
    """`_k` (a value lower-cased) -> `_name`: its most frequent spelling (ties: first in
    code-point order)."""
    return (
        lf.filter(pl.col(dim).is_not_null()).group_by(_name=pl.col(dim)).len()
        .with_columns(_k=pl.col("_name").str.to_lowercase())
        .sort(["_k", "len", "_name"], descending=[False, True, False])
        .unique("_k", keep="first", maintain_order=True)
        .select("_k", "_name")
    )


def breakdown_lf(lf: pl.LazyFrame, dim: str, **aggs: pl.Expr) -> pl.LazyFrame:
    """aggs per value of a dimension (case-insensitive groups, null last): `_k`, `_name`
    and one column per agg; `breakdown_dict` makes the `by` of it."""
    values = lf.group_by(_k=pl.col(dim).str.to_lowercase()).agg(**aggs)
    return values.join(names_lf(lf, dim), on="_k", how="left").sort("_k", nulls_last=True)


def breakdown_dict(frame: pl.DataFrame, col: str) -> dict[str, Any]:
    """{display name (`(none)` for empty): value} of a breakdown_lf frame's column."""
    return {(name if name is not None else (k if k is not None else NONE_KEY)): v
            for k, name, v in zip(frame["_k"], frame["_name"], frame[col], strict=True)}


# -- finish helpers on small collected frames ------------------------------------------------
def per_pid(ctx: Context, frame: pl.DataFrame, agg: pl.Expr) -> list:
    """agg per period index (`_pid`) of a frame, in ctx.periods order (None: no rows)."""
    out: list = [None] * len(ctx.periods)
    if frame.height:
        g = frame.group_by("_pid").agg(agg.alias("_v"))
        for i, v in zip(g["_pid"], g["_v"], strict=True):
            out[i] = v
    return out


def labels(ctx: Context, values: list) -> dict:
    """{period label: value} of values in ctx.periods order."""
    return {p.label: v for p, v in zip(ctx.periods, values, strict=True)}


def names_of(frame: pl.DataFrame, dim: str, n: str = "n") -> dict[str, str]:
    """measures.names_lf of the rows a count summary stands for (`n` rows per line): lower-case
    value -> its most frequent spelling (ties: first in code-point order)."""
    counts = (
        frame.filter(pl.col(dim).is_not_null()).group_by(v=pl.col(dim)).agg(len=pl.col(n).sum())
        .with_columns(k=pl.col("v").str.to_lowercase())
        .sort(["k", "len", "v"], descending=[False, True, False])
        .unique("k", keep="first", maintain_order=True)
    )
    return dict(zip(counts["k"], counts["v"], strict=True))


def breakdown_of(frame: pl.DataFrame, dim: str, agg: pl.Expr,
                 names: dict[str, str] | None = None, n: str = "n") -> dict[str, Any]:
    """measures.breakdown_lf of the rows a count summary stands for (agg over its lines):
    {display name (`(none)` for empty): agg}, case-insensitive groups."""
    if frame.height == 0:
        return {}
    names = names if names is not None else names_of(frame, dim, n)
    g = (frame.group_by(_k=pl.col(dim).str.to_lowercase()).agg(agg.alias("_v"))
         .sort("_k", nulls_last=True))
    return {(names.get(k, k) if k is not None else NONE_KEY): v
            for k, v in zip(g["_k"], g["_v"], strict=True)}
