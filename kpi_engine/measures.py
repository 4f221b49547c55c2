"""Base measures, written once, as lazy plans (kpi_engine/plan.py): the order lines every
orders-based KPI counts, the range and period index of a row, and case-insensitive breakdowns.

Frames are the upload's used rows (already without cancelled, duplicate or other-currency rows)
filtered by the query (`Context.lf`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from kpi_engine.context import Context, between

NONE_KEY = "(none)"


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
    """The index in ctx.periods of the period holding each row's `col` (for rows in the range;
    filter with `in_range` first)."""
    bounds = pl.Series([p.clip_start for p in ctx.periods] + [ctx.end + dt.timedelta(days=1)],
                       dtype=pl.Date)
    day = pl.col(col).cast(pl.Date)
    return (pl.lit(bounds).search_sorted(day, side="right") - 1).cast(pl.UInt32).alias("_pid")


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
