"""A. Revenue and growth (orders-based): revenue, orders, growth, APV, revenue by dimension,
repeat sales, expansion. (won_revenue: pipeline.py; mrr/arr/arpa: customers.py;
monthly_sales_progress: team.py.)

Lazy plan: the range's order lines get `_pid`, the index of their period (`range_lf`; with `_f`,
the customer's first purchase day, in `range_firsts_lf`), and every KPI is a few small
aggregates over them, keyed so that KPIs share them: Σ revenue per period
("revenue:by_period"), per dimension value ("revenue:by_<dim>", summed per spelling before the
case-insensitive grouping), distinct orders per period and over the range (counted over the
lines that start a run of one order, far fewer than the lines), repeat and expansion revenue
per period. Growth sums the revenue per month (MoM) and per period a year earlier (YoY).

The eager helpers below (`order_rows`, `range_parts`, ...) are no longer used by group A; they
stay for customers.py and whatif_base.py until those plan lazily too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context, between
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import (
    breakdown_dict,
    by_pid,
    in_range,
    orders,
    orders_lf,
    pid,
)
from kpi_engine.plan import Step, done, frame, join
from kpi_engine.query import add_months, month_start, period_of

REV = "orders.revenue|orders.quantity+orders.unit_price"
REPEAT = pl.when(pl.col("_f") < pl.col("d")).then(pl.col("revenue")).otherwise(0.0)
DAY = dt.timedelta(days=1)


# -- eager: order lines numbered once (still used by customers.py and whatif_base.py) ------------
def cache_of(ctx: Context) -> dict[Any, Any]:
    return ctx.__dict__.setdefault("_measure_cache", {})


@dataclass(frozen=True)
class Rows:
    """Valid order lines with `_c` (the customer's row in `firsts`, null without a customer) and
    `_f` (that customer's first purchase day): `lines` all, `dated` those with a day, in day
    order; `firsts` is ckey -> `first`, the day of the first valid purchase ever (all data)."""

    lines: pl.DataFrame
    dated: pl.DataFrame
    firsts: pl.DataFrame
    days: np.ndarray  # dated["d"] as datetime64[D]

    def cut(self, day: dt.date) -> int:
        """The offset of the first dated line on or after `day`."""
        return int(np.searchsorted(self.days, np.datetime64(day, "D"), side="left"))


# still used by customers.py
def order_rows(ctx: Context) -> Rows:
    cache = cache_of(ctx)
    if "revenue:rows" not in cache:
        o = orders(ctx)
        f = (o.select("ckey", "d").filter(pl.col("ckey").is_not_null())
             .group_by("ckey").agg(first=pl.col("d").min()))
        ids = pl.int_range(f.height, dtype=pl.UInt32, eager=True)
        c = o["ckey"].replace_strict(f["ckey"], ids, default=None, return_dtype=pl.UInt32)
        lines = o.with_columns(_c=c, _f=f["first"].gather(c))
        dated = lines.filter(pl.col("d").is_not_null()) if lines["d"].null_count() else lines
        if not dated["d"].is_sorted():
            dated = dated.sort("d", maintain_order=True)
        cache["revenue:rows"] = Rows(lines, dated, f, as_days(dated["d"]))
    return cache["revenue:rows"]


# still used by customers.py
def as_days(s: pl.Series) -> np.ndarray:
    return s.cast(pl.Int32).to_numpy().astype("datetime64[D]")


@dataclass(frozen=True)
class Parts:
    """The dated lines of consecutive day intervals, the interval's number in `_p`."""

    df: pl.DataFrame
    cuts: list[int]  # the offset in df of each interval's first line, then df.height

    def part(self, i: int) -> pl.DataFrame:
        return self.df.slice(self.cuts[i], self.cuts[i + 1] - self.cuts[i])


def split(r: Rows, bounds: list[dt.date]) -> Parts:
    """Intervals [bounds[i], bounds[i + 1]) (bounds ascending)."""
    idx = [r.cut(b) for b in bounds]
    counts = np.diff(np.array(idx, dtype=np.int64))
    p = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
    df = r.dated.slice(idx[0], idx[-1] - idx[0]).with_columns(_p=pl.Series(p, dtype=pl.UInt32))
    return Parts(df, [i - idx[0] for i in idx])


# still used by customers.py
def range_parts(ctx: Context) -> Parts:
    """The lines of the range, `_p` = the index of their period in ctx.periods."""
    cache = cache_of(ctx)
    if "revenue:range" not in cache:
        bounds = [p.clip_start for p in ctx.periods] + [ctx.end + DAY]
        cache["revenue:range"] = split(order_rows(ctx), bounds)
    return cache["revenue:range"]


def per_part(parts: Parts, agg: pl.Expr, empty: Any, df: pl.DataFrame | None = None,
             floats: bool = False) -> list[Any]:
    """agg over the lines of each part (of `df`, parts.df by default); `empty` without lines.

    `floats`: group on a computed key, as measures.flow_by_period does: polars then sums each
    group the same way every run (a plain column key takes a parallel path whose float sums
    vary in the last bits from run to run)."""
    out = [empty] * (len(parts.cuts) - 1)
    df = parts.df if df is None else df
    if df.height:
        key = pl.col("_p").cast(pl.Int64) if floats else pl.col("_p")
        g = df.group_by(key).agg(agg.alias("_v"))
        for i, v in zip(g["_p"], g["_v"], strict=True):
            out[i] = empty if v is None else v
    return out


def _contiguous(ctx: Context) -> bool:
    """Each order's lines are consecutive in the range, so its orders are its runs of okey."""
    cache = cache_of(ctx)
    if "revenue:contiguous" not in cache:
        okey = range_parts(ctx).df["okey"]
        runs = (okey != okey.shift(1)).fill_null(True).sum() if okey.len() else 0
        cache["revenue:contiguous"] = bool(okey.is_sorted() or runs == okey.n_unique())
    return cache["revenue:contiguous"]


# still used by customers.py
def order_counts(ctx: Context, need: str | None = None) -> tuple[int, list[int]]:
    """Distinct orders in the range and in each period, among the lines with a `need` value."""
    key = f"revenue:orders:{need}"
    cache = cache_of(ctx)
    if key not in cache:
        parts = range_parts(ctx)
        df = parts.df
        if need is not None and df[need].null_count() == 0:
            cache[key] = order_counts(ctx)
            return cache[key]
        if need is not None:
            df = df.select("okey", "_p", need).filter(pl.col(need).is_not_null())
        if _contiguous(ctx):
            run = (pl.col("okey") != pl.col("okey").shift(1)).fill_null(True)
            new = run | (pl.col("_p") != pl.col("_p").shift(1)).fill_null(True)
            runs = df.select("_p", _r=run, _n=new)
            total = int(runs["_r"].sum()) if df.height else 0
            cache[key] = total, per_part(parts, pl.col("_n").sum(), 0, runs)
        else:
            total = int(df["okey"].n_unique()) if df.height else 0
            cache[key] = total, per_part(parts, pl.col("okey").n_unique(), 0, df)
    return cache[key]


def with_customer(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """The columns `_c` and `cols` of the lines with a customer (narrow: filters copy)."""
    df = df.select("_c", *cols)
    return df.filter(pl.col("_c").is_not_null()) if df["_c"].null_count() else df


# still used by customers.py
def where(df: pl.DataFrame, col: str, cond: pl.Expr) -> pl.Series:
    """Column `col` of the lines meeting `cond`, without copying the other columns."""
    return df.select(pl.col(col).filter(cond)).to_series()


# still used by customers.py, whatif_base.py
def customer_counts(ctx: Context) -> tuple[int, list[int]]:
    """Distinct customers with a line in the range and in each period."""
    parts = range_parts(ctx)
    return (with_customer(parts.df)["_c"].n_unique(),
            [with_customer(parts.part(i))["_c"].n_unique() for i in range(len(ctx.periods))])


# still used by customers.py
def active_customers(ctx: Context) -> pl.DataFrame:
    """Distinct (customer `c`, whole period `q`) with a valid order: q = i + 1 is ctx.periods[i]
    and q = i the whole period before it; `kept`: also active in q + 1; `new`: first purchase
    in q. (Whole periods: lines outside the range count.)"""
    cache = cache_of(ctx)
    if "revenue:active" not in cache:
        r, ps = order_rows(ctx), ctx.periods
        prev = period_of(ps[0].start - DAY, ctx.grain, ctx.settings.fiscal_year_start)[1]
        bounds = [prev, *(p.start for p in ps), ps[-1].end + DAY]
        m = len(ps) + 1
        k = (with_customer(split(r, bounds).df, "_p")
             .select(k=pl.col("_c").cast(pl.UInt64) * m + pl.col("_p")).to_series().unique())
        q = (k % m).cast(pl.UInt32)
        c = (k // m).cast(pl.UInt32)
        cache["revenue:active"] = pl.DataFrame({"c": c, "q": q}).with_columns(
            kept=(k + 1).is_in(k.implode()) & (q < m - 1),
            new=r.firsts["first"].gather(c) >= pl.Series(bounds, dtype=pl.Date).gather(q))
    return cache["revenue:active"]


# still used by customers.py
def lifespan(ctx: Context) -> tuple[float | None, int]:
    """Mean (last − first order day) / 365.25 over customers with ≥ 2 order days up to the
    range end (all data before it), and how many such customers."""
    cache = cache_of(ctx)
    if "revenue:lifespan" not in cache:
        r = order_rows(ctx)
        rows = with_customer(r.dated.slice(0, r.cut(ctx.end + DAY)), "d")
        spans = (rows.group_by("_c").agg(days=(pl.col("d").max() - pl.col("d").min())
                                         .dt.total_days())
                 .filter(pl.col("days") > 0))  # two or more distinct days
        cache["revenue:lifespan"] = (
            (None, 0) if spans.height == 0
            else (float(spans["days"].mean()) / 365.25, spans.height))  # type: ignore[arg-type]
    return cache["revenue:lifespan"]


# -- group A: lazy plans ------------------------------------------------------------------------
def range_lf(ctx: Context) -> pl.LazyFrame:
    """The order lines of the range with `_pid` (the index of their period in ctx.periods)."""
    return orders_lf(ctx).filter(in_range(ctx, "order_date")).with_columns(pid(ctx, "d"))


def range_firsts_lf(ctx: Context) -> pl.LazyFrame:
    """range_lf with `_f`: the line's customer's first purchase day ever (null without one).
    A window over all the lines rather than measures.order_lines_lf's join: the customer key
    is then built once, not for each side of the join."""
    c = pl.col("ckey")
    first = pl.when(c.is_not_null()).then(pl.col("d").min().over(c))
    return (orders_lf(ctx).with_columns(_f=first).filter(in_range(ctx, "order_date"))
            .with_columns(pid(ctx, "d")))


def revenue_by_period(ctx: Context) -> Step[pl.DataFrame]:
    """Per `_pid`: Σ `revenue` and `lines` (lines with a revenue)."""
    return frame("revenue:by_period", range_lf(ctx).group_by("_pid").agg(
        revenue=pl.col("revenue").sum(), lines=pl.col("revenue").count()))


def _order_starts(lf: pl.LazyFrame, per_period: bool) -> pl.LazyFrame:
    """The lines whose order (or, `per_period`, period) differs from the line before's. Each
    order (order and period) keeps its first line, so distinct counts over these are exact, on
    far fewer rows than the range's lines (an order's lines are usually adjacent)."""
    o, p = pl.col("okey"), pl.col("_pid")
    new = (o != o.shift(1)) | (p != p.shift(1)) if per_period else o != o.shift(1)
    return lf.filter(new.fill_null(True))


def _all_paid(ctx: Context) -> bool:
    """Every uploaded order line has a revenue (a null count: no pass over the rows)."""
    df = ctx.uploaded.get("orders")
    return df is not None and "revenue" in df.columns and df["revenue"].null_count() == 0


def _order_keys(lf: pl.LazyFrame) -> pl.LazyFrame:
    """`okey` and `_pid` of lf's lines (orders_lf lines). measures.orders_lf's `okey` is built
    here for the lines without an order id only: building it for every line costs more than
    counting the orders."""
    has_id = pl.col("order_id").is_not_null()
    return pl.concat([
        lf.filter(has_id).select(pl.col("order_id").alias("okey"), "_pid"),
        lf.filter(~has_id).select(  # as orders_lf
            (pl.lit("#row") + pl.col("_row").cast(pl.String)).alias("okey"), "_pid"),
    ])


def orders_by_period(ctx: Context, paid: bool = False) -> Step[pl.DataFrame]:
    """Distinct orders `n` per `_pid` and, in the row whose `_pid` is null, over the whole
    range (an order can have lines in two periods); `paid`: among the lines with a revenue."""
    if paid and _all_paid(ctx):
        return orders_by_period(ctx)
    rng = range_lf(ctx)
    if paid:
        rng = rng.filter(pl.col("revenue").is_not_null())
    keys, n = _order_keys(rng), pl.col("okey").n_unique().alias("n")
    lf = pl.concat([_order_starts(keys, True).group_by("_pid").agg(n),
                    _order_starts(keys, False).select(pl.lit(None, pl.UInt32).alias("_pid"), n)])
    return frame("revenue:paid_orders_by_period" if paid else "revenue:orders_by_period", lf)


def sums_by(lf: pl.LazyFrame, dim: str, **sums: pl.Expr) -> pl.LazyFrame:
    """breakdown_lf for sums (same frame): summed per spelling first, so only the few
    spellings are lower-cased, then per lower-cased value, named after its most frequent
    spelling (ties: first in code-point order)."""
    k = pl.col(dim).str.to_lowercase()
    return (lf.group_by(dim).agg(_len=pl.len(), **sums).with_columns(_k=k)
            .sort(["_k", "_len", dim], descending=[False, True, False], nulls_last=True)
            .group_by("_k", maintain_order=True)
            .agg(pl.col(dim).first().alias("_name"), *(pl.col(c).sum() for c in sums)))


def dimension_sums(ctx: Context, dim: str) -> Step[dict[str, Any]]:
    """{display name: Σ revenue} over the range (as measures.breakdown: case-insensitive)."""
    lf = sums_by(range_lf(ctx), dim, revenue=pl.col("revenue").sum())
    return frame(f"revenue:by_{dim}", lf).then(lambda got: breakdown_dict(got, "revenue"))


def returning_by_period(ctx: Context) -> Step[pl.DataFrame]:
    """Per `_pid`: Σ `revenue`, `repeat` (lines of returning customers: first purchase before
    the line's day) and `expansion` (customers who first bought before the period)."""
    starts = pl.Series([p.clip_start for p in ctx.periods], dtype=pl.Date)
    rev, f = pl.col("revenue"), pl.col("_f")
    lf = (range_firsts_lf(ctx).with_columns(_start=pl.lit(starts).gather(pl.col("_pid")))
          .group_by("_pid").agg(revenue=rev.sum(), repeat=rev.filter(f < pl.col("d")).sum(),
                                expansion=rev.filter(f < pl.col("_start")).sum()))
    return frame("revenue:returning_by_period", lf)


def _total(per: pl.DataFrame, col: str) -> float:
    return float(per[col].sum() or 0.0)


def _revenue(ctx: Context) -> Step[Value]:
    dims = [d for d in ("region", "team") if ctx.has("orders", d)]
    return join(per=revenue_by_period(ctx), **{d: dimension_sums(ctx, d) for d in dims}).then(
        lambda got: _revenue_value(ctx, got.pop("per"), got))


def _revenue_value(ctx: Context, per: pl.DataFrame, by: dict[str, dict]) -> Value:
    total, lines = _total(per, "revenue"), int(per["lines"].sum())
    return Value(total, by_pid(ctx, per, "revenue", 0.0), by,
                 explanation=f"Σ revenue of {num(lines)} order lines = {money(total, ctx.currency)}")


def _split_total(per: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """orders_by_period's periods, and its whole-range count."""
    return per.filter(pl.col("_pid").is_not_null()), per.filter(pl.col("_pid").is_null())["n"][0]


def _orders_count(ctx: Context) -> Step[Value]:
    return orders_by_period(ctx).then(lambda got: _orders_value(ctx, *_split_total(got)))


def _orders_value(ctx: Context, per: pl.DataFrame, n: int) -> Value:
    return Value(float(n), by_pid(ctx, per, "n", 0),
                 explanation=f"{num(n)} distinct orders in {ctx.range_label}")


def _apv(ctx: Context) -> Step[Value]:
    return join(rev=revenue_by_period(ctx), orders=orders_by_period(ctx, paid=True)).then(
        lambda got: _apv_value(ctx, got["rev"], *_split_total(got["orders"])))


def _apv_value(ctx: Context, rev: pl.DataFrame, orders: pl.DataFrame, n: int) -> Value:
    total = _total(rev, "revenue")
    value = div(total, n)
    sums, paid = by_pid(ctx, rev, "revenue", 0.0), by_pid(ctx, orders, "n", 0)
    by_period = {p.label: div(sums[p.label], paid[p.label]) for p in ctx.periods}
    return Value(value, by_period, explanation=f"{money(total, ctx.currency)} / {num(n)} orders "
                 f"= {money(value, ctx.currency)}")


def _growth(cur: float, prev: float) -> float | None:
    return pct_of(cur - prev, prev)


def _mom(ctx: Context) -> Step[Value]:
    """Months intersecting the range are clipped to it; the month before it counts whole."""
    first = month_start(ctx.start)
    before = between("order_date", add_months(first, -1), first - DAY)
    lf = (orders_lf(ctx).filter(before | in_range(ctx, "order_date"))
          .group_by(_m=pl.col("d").dt.truncate("1mo")).agg(revenue=pl.col("revenue").sum()))
    return frame("revenue:by_month", lf).then(lambda got: _mom_value(ctx, got))


def _mom_value(ctx: Context, months: pl.DataFrame) -> Value:
    sums = dict(zip(months["_m"], months["revenue"], strict=True))
    by_period: dict[str, float | None] = {}
    m = month_start(ctx.start)
    last = None
    prev = sums.get(add_months(m, -1)) or 0.0
    while m <= ctx.end:
        cur = sums.get(m) or 0.0
        by_period[m.strftime("%Y-%m")] = _growth(cur, prev)
        last = (m, cur, prev)
        m, prev = add_months(m, 1), cur
    assert last is not None
    m, cur, prev = last
    value = _growth(cur, prev)
    return Value(value, by_period, extra={"last_month": m.strftime("%Y-%m")},
                 explanation=f"({num(cur)} − {num(prev)}) / {num(prev)} × 100 = {pct(value)} "
                 f"({m.strftime('%Y-%m')} vs {add_months(m, -1).strftime('%Y-%m')})")


def _year_earlier(ctx: Context, start: dt.date) -> tuple[dt.date, dt.date] | None:
    """The whole grain period a year before the period containing `start`."""
    fy = ctx.settings.fiscal_year_start
    if ctx.grain == "week":
        iso = start.isocalendar()
        try:
            monday = dt.date.fromisocalendar(iso.year - 1, iso.week, 1)
        except ValueError:
            return None  # no such ISO week a year earlier (week 53)
        return monday, monday + dt.timedelta(days=6)
    _, p_start, _ = period_of(start, ctx.grain, fy)
    prev_start = p_start.replace(year=p_start.year - 1)
    _, s, e = period_of(prev_start, ctx.grain, fy)
    return s, e


def _yoy(ctx: Context) -> Step[Value]:
    earlier = {i: _year_earlier(ctx, p.clip_start) for i, p in enumerate(ctx.periods)}
    spans = [(i, *se) for i, se in earlier.items() if se is not None]
    return join(cur=revenue_by_period(ctx), prev=_earlier_sums(ctx, spans)).then(
        lambda got: _yoy_value(ctx, earlier, got["cur"], got["prev"]))


def _earlier_sums(ctx: Context, spans: list[tuple[int, dt.date, dt.date]]
                  ) -> Step[pl.DataFrame]:
    """Σ revenue of each whole period a year earlier, as `_pid` (of the period it is compared
    with) and `revenue`. The spans are whole grain periods in ascending order, so disjoint: a
    line belongs to the last one starting on or before its day, if that one has not ended."""
    if not spans:
        return done(pl.DataFrame({"_pid": [], "revenue": []},
                                 schema={"_pid": pl.UInt32, "revenue": pl.Float64}))
    starts = pl.Series([s for _, s, _ in spans], dtype=pl.Date)
    ends = pl.Series([e for _, _, e in spans], dtype=pl.Date)
    ids = pl.Series([i for i, _, _ in spans], dtype=pl.UInt32)
    at = pl.lit(starts).search_sorted(pl.col("d"), side="right").cast(pl.Int64) - 1
    lf = (orders_lf(ctx).filter(between("order_date", spans[0][1], spans[-1][2]))
          .with_columns(_at=at.cast(pl.UInt32))
          .filter(pl.col("d") <= pl.lit(ends).gather(pl.col("_at")))
          .group_by(_pid=pl.lit(ids).gather(pl.col("_at"))).agg(revenue=pl.col("revenue").sum()))
    return frame("revenue:year_earlier", lf)


def _yoy_value(ctx: Context, earlier: dict[int, tuple[dt.date, dt.date] | None],
               cur: pl.DataFrame, prev: pl.DataFrame) -> Value:
    now, before = by_pid(ctx, cur, "revenue", 0.0), by_pid(ctx, prev, "revenue", 0.0)
    by_period: dict[str, float | None] = {}
    detail = ""
    for i, p in enumerate(ctx.periods):
        c, b = now[p.label], before[p.label]
        by_period[p.label] = _growth(c, b) if earlier[i] else None
        detail = f"({num(c)} − {num(b)}) / {num(b)} × 100"
    value = by_period[ctx.periods[-1].label] if ctx.periods else None
    return Value(value, by_period, explanation=f"{detail} = {pct(value)} "
                 f"({ctx.periods[-1].label} vs a year earlier)")


def _by_dimension(dim: str) -> Callable[[Context], Step[Value]]:
    def compute(ctx: Context) -> Step[Value]:
        return join(per=revenue_by_period(ctx), by=dimension_sums(ctx, dim)).then(
            lambda got: _dimension_value(ctx, dim, got["per"], got["by"]))
    return compute


def _dimension_value(ctx: Context, dim: str, per: pl.DataFrame, by: dict[str, Any]) -> Value:
    total = _total(per, "revenue")
    share = {k: pct_of(v, total) for k, v in by.items()}
    top = max(by.items(), key=lambda kv: kv[1] or 0, default=(None, 0))
    return Value(total, by_pid(ctx, per, "revenue", 0.0), {dim: by}, {"share_pct": share},
                 explanation=f"{money(total, ctx.currency)} over {len(by)} {dim} values; "
                 f"largest: {top[0]} {money(top[1], ctx.currency)} "
                 f"({pct(pct_of(top[1], total))})")


def _repeat_sales(ctx: Context) -> Step[Value]:
    by = (sums_by(range_firsts_lf(ctx), "channel", repeat=REPEAT.sum(),
                  revenue=pl.col("revenue").sum())
          .with_columns(rate=pl.col("repeat") / pl.col("revenue") * 100))
    return join(per=returning_by_period(ctx), by=frame("revenue:repeat_by_channel", by)).then(
        lambda got: _repeat_value(ctx, got["per"], got["by"]))


def _repeat_value(ctx: Context, per: pl.DataFrame, by_channel: pl.DataFrame) -> Value:
    rep, tot = _total(per, "repeat"), _total(per, "revenue")
    reps, tots = by_pid(ctx, per, "repeat", 0.0), by_pid(ctx, per, "revenue", 0.0)
    by_period = {p.label: pct_of(reps[p.label], tots[p.label]) for p in ctx.periods}
    by = {k: (None if v is None or v != v else v)
          for k, v in breakdown_dict(by_channel, "rate").items()}
    value = pct_of(rep, tot)
    return Value(value, by_period, {"channel": by},
                 explanation=f"{money(rep, ctx.currency)} from returning customers / "
                 f"{money(tot, ctx.currency)} × 100 = {pct(value)}")


def _expansion(ctx: Context) -> Step[Value]:
    old = pl.col("_f") < ctx.start
    whole = range_firsts_lf(ctx).select(
        value=pl.col("revenue").filter(old).sum(), customers=pl.col("ckey").filter(old).n_unique())
    return join(per=returning_by_period(ctx), whole=frame("revenue:expansion", whole)).then(
        lambda got: _expansion_value(ctx, got["per"], got["whole"].row(0, named=True)))


def _expansion_value(ctx: Context, per: pl.DataFrame, whole: dict[str, Any]) -> Value:
    value, customers = float(whole["value"] or 0.0), whole["customers"]
    share = pct_of(value, _total(per, "revenue"))
    return Value(value, by_pid(ctx, per, "expansion", 0.0),
                 extra={"existing_customers": customers, "share_of_revenue_pct": share},
                 explanation=f"revenue of {num(customers)} customers who first bought before "
                 f"{ctx.start.isoformat()} = {money(value, ctx.currency)} ({pct(share)} of "
                 f"revenue)")


register(
    KPI("revenue", "Revenue", "A", "money", "higher", "flow", "Σ revenue (valid orders)",
        REV, _revenue, source="S4, S0 FAQ, S1"),
    KPI("orders_count", "Number of purchases", "A", "count", "higher", "flow",
        "count of distinct orders", "orders", _orders_count, source="S0#8"),
    KPI("sales_growth_mom", "Monthly sales growth", "A", "percent", "higher", "change",
        "(Month 2 − Month 1) / Month 1 × 100", REV, _mom, ("last_month",),
        source="S0#1, S1, S3#32"),
    KPI("sales_growth_yoy", "Year-over-year growth", "A", "percent", "higher", "change",
        "(Revenue this period − same period last year) / same period last year × 100", REV, _yoy,
        source="S1"),
    KPI("average_purchase_value", "Average purchase value", "A", "money", "higher", "rate",
        "Total revenue / Number of purchases", REV, _apv, source="S0#8, S4"),
    KPI("revenue_by_region", "Sales by region", "A", "money", "higher", "breakdown",
        "Σ revenue per region, and share %", f"{REV}, orders.region", _by_dimension("region"),
        ("share_pct",), source="S0#10"),
    KPI("revenue_by_product", "Sales by product", "A", "money", "higher", "breakdown",
        "Σ revenue per product (top N + other)", f"{REV}, orders.product",
        _by_dimension("product"), ("share_pct",), source="S4"),
    KPI("revenue_by_channel", "Sales by acquisition channel", "A", "money", "higher",
        "breakdown", "Σ revenue per channel", f"{REV}, orders.channel",
        _by_dimension("channel"), ("share_pct",), source="S3#19"),
    KPI("repeat_sales_by_channel", "Repeat sales per channel", "A", "percent", "higher", "rate",
        "revenue from returning customers / revenue, per channel × 100",
        f"{REV}, orders.customer_id, orders.channel", _repeat_sales, source="S3#20"),
    KPI("expansion_revenue", "Expansion revenue", "A", "money", "higher", "flow",
        "revenue from customers whose first purchase was before the period",
        f"{REV}, orders.customer_id", _expansion, ("existing_customers", "share_of_revenue_pct"),
        source="S0 (upsell)"),
)
