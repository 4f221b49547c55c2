"""Base measures, written once: the rows each KPI family counts, in its interval, by period.

Every function takes the Context and plain dates; frames are the upload's used rows (already
without cancelled, duplicate or other-currency rows) filtered by the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl

from kpi_engine.context import Context, between
from kpi_engine.fmt import div

NONE_KEY = "(none)"


# -- generic helpers -------------------------------------------------------------------------
def in_interval(df: pl.DataFrame, col: str, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Rows whose `col` lies in [start, end]; a slice when the column is sorted (no nulls)."""
    s = df[col]
    if df.height and s.flags.get("SORTED_ASC") and s.null_count() == 0:
        lo = dt.datetime.combine(start, dt.time())
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        if s.dtype == pl.Date:
            lo, hi = lo.date(), hi.date()  # type: ignore[assignment]
        a = int(s.search_sorted(lo, side="left"))
        b = int(s.search_sorted(hi, side="left"))
        return df.slice(a, max(0, b - a))
    return df.filter(between(col, start, end))


def per_period(ctx: Context, fn: Callable[[dt.date, dt.date], Any]) -> dict[str, Any]:
    """fn(clipped start, clipped end) for every period of the range."""
    return {p.label: fn(p.clip_start, p.clip_end) for p in ctx.periods}


def display_names(values: pl.Series) -> dict[str, str]:
    """lower-case key -> the most frequent spelling (ties: first in code-point order)."""
    s = values.drop_nulls()
    if s.len() == 0:
        return {}
    counts = (
        pl.DataFrame({"v": s}).group_by("v").len()
        .with_columns(k=pl.col("v").str.to_lowercase())
        .sort(["k", "len", "v"], descending=[False, True, False])
        .unique("k", keep="first", maintain_order=True)
    )
    return dict(zip(counts["k"], counts["v"], strict=True))


def breakdown(df: pl.DataFrame, dim: str, agg: pl.Expr, names: dict[str, str] | None = None,
              ) -> dict[str, Any]:
    """agg per value of a dimension (case-insensitive groups, `(none)` for empty)."""
    if df.height == 0:
        return {}
    names = names if names is not None else display_names(df[dim])
    grouped = (
        df.with_columns(_k=pl.col(dim).str.to_lowercase())
        .group_by("_k")
        .agg(agg.alias("_v"))
        .sort("_k", nulls_last=True)
    )
    return {(names.get(k, k) if k is not None else NONE_KEY): v
            for k, v in zip(grouped["_k"], grouped["_v"], strict=True)}


# -- orders -------------------------------------------------------------------------------
def orders(ctx: Context) -> pl.DataFrame:
    """Valid order lines with `d` (the order's day), `okey` (the order: its id, else the row)
    and `ckey` (the customer, e-mails compared case-insensitively)."""
    df = ctx.t("orders")
    assert df is not None
    return _orders_cached(ctx, df)


def _orders_cached(ctx: Context, df: pl.DataFrame) -> pl.DataFrame:
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "orders" not in cache:
        cache["orders"] = df.with_row_index("_row").with_columns(
            d=pl.col("order_date").dt.date(),
            okey=pl.coalesce(pl.col("order_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
            ckey=pl.when(pl.col("customer_id").str.contains("@"))
            .then(pl.col("customer_id").str.to_lowercase())
            .otherwise(pl.col("customer_id")),
        )
    return cache["orders"]


def revenue(df: pl.DataFrame) -> float:
    return float(df["revenue"].sum() or 0.0) if df.height else 0.0


def order_count(df: pl.DataFrame) -> int:
    return int(df["okey"].n_unique()) if df.height else 0


def first_purchases(ctx: Context) -> pl.DataFrame:
    """customer -> the day of their first valid purchase ever (all data)."""
    cache = ctx.__dict__.setdefault("_measure_cache", {})
    if "first" not in cache:
        o = orders(ctx).filter(pl.col("ckey").is_not_null())
        cache["first"] = o.group_by("ckey").agg(first=pl.col("d").min())
    return cache["first"]


def safe_div(a: float | None, b: float | None) -> float | None:
    return div(a, b)


def period_label(col: str, ctx: Context) -> pl.Expr:
    """The grain period label of a date column, vectorised (same labels as query.period_of)."""
    d = pl.col(col).dt.date()
    grain, fy = ctx.grain, ctx.settings.fiscal_year_start
    if grain == "week":
        return pl.format("{}-W{}", d.dt.iso_year(), d.dt.week().cast(pl.String).str.zfill(2))
    if grain == "month":
        return d.dt.strftime("%Y-%m")
    shifted = d.dt.offset_by(f"{-(fy - 1)}mo") if fy != 1 else d
    year = shifted.dt.year() + (1 if fy != 1 else 0)
    prefix = "FY" if fy != 1 else ""
    if grain == "quarter":
        q = (shifted.dt.month() - 1) // 3 + 1
        return pl.format(prefix + "{}-Q{}", year, q)
    return pl.format(prefix + "{}", year)


def flow_by_period(ctx: Context, df: pl.DataFrame, col: str, agg: pl.Expr,
                   empty: Any = 0.0) -> dict[str, Any]:
    """agg over the rows of each period of the range (rows outside the range ignored); `empty`
    for a period without rows (0 for flows, None for rates and means)."""
    rows = in_interval(df, col, ctx.start, ctx.end)
    out = dict.fromkeys((p.label for p in ctx.periods), empty)
    if rows.height:
        g = rows.group_by(period_label(col, ctx).alias("_p")).agg(agg.alias("_v"))
        for label, v in zip(g["_p"], g["_v"], strict=True):
            if label in out:
                out[label] = v if v is not None else empty
    return out


# -- lazy: what the KPIs plan on (kpi_engine/plan.py) --------------------------------------
def orders_lf(ctx: Context) -> pl.LazyFrame:
    """`orders`, lazily: the valid order lines with `d`, `okey` and `ckey`."""
    lf = ctx.lf("orders")
    assert lf is not None
    return lf.with_row_index("_row").with_columns(
        d=pl.col("order_date").dt.date(),
        okey=pl.coalesce(pl.col("order_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
        ckey=pl.when(pl.col("customer_id").str.contains("@"))
        .then(pl.col("customer_id").str.to_lowercase())
        .otherwise(pl.col("customer_id")),
    )


def firsts_lf(ctx: Context) -> pl.LazyFrame:
    """`ckey` -> `first`: the day of each customer's first valid purchase ever (all data)."""
    return (orders_lf(ctx).filter(pl.col("ckey").is_not_null())
            .group_by("ckey").agg(first=pl.col("d").min()))


def order_lines_lf(ctx: Context) -> pl.LazyFrame:
    """orders_lf with `_f`: the line's customer's first purchase day (null without one)."""
    return orders_lf(ctx).join(firsts_lf(ctx).rename({"first": "_f"}), on="ckey", how="left",
                               maintain_order="left")


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
    code-point order), as display_names."""
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
