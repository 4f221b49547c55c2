"""A. Revenue and growth (orders-based): revenue, orders, growth, APV, revenue by dimension,
repeat sales, expansion. (won_revenue: pipeline.py; mrr/arr/arpa: customers.py;
monthly_sales_progress: team.py.)

Speed: the order lines are numbered once per context, here, for groups A and H (`order_rows`:
the customer as an integer and its first purchase day; `range_parts`: the period of each line of
the range), so a by_period is one group_by or a slice per period, a breakdown one group_by per
dimension, and the customer KPIs (customers.py) count with integer keys, never a string join per
period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import NONE_KEY, breakdown, orders
from kpi_engine.measures import revenue as revenue_of
from kpi_engine.query import add_months, month_end, month_start, period_of

REV = "orders.revenue|orders.quantity+orders.unit_price"
REPEAT = pl.when(pl.col("_f") < pl.col("d")).then(pl.col("revenue")).otherwise(0.0)
DAY = dt.timedelta(days=1)


def cache_of(ctx: Context) -> dict[Any, Any]:
    return ctx.__dict__.setdefault("_measure_cache", {})


# -- order lines numbered once (shared with customers.py) --------------------------------------
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


def where(df: pl.DataFrame, col: str, cond: pl.Expr) -> pl.Series:
    """Column `col` of the lines meeting `cond`, without copying the other columns."""
    return df.select(pl.col(col).filter(cond)).to_series()


def customer_counts(ctx: Context) -> tuple[int, list[int]]:
    """Distinct customers with a line in the range and in each period."""
    parts = range_parts(ctx)
    return (with_customer(parts.df)["_c"].n_unique(),
            [with_customer(parts.part(i))["_c"].n_unique() for i in range(len(ctx.periods))])


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


# -- group A ----------------------------------------------------------------------------------
def _by_period(ctx: Context) -> dict[str, float]:
    """Σ revenue of each period (the range's lines only)."""
    cache = cache_of(ctx)
    if "revenue:by_period" not in cache:
        sums = per_part(range_parts(ctx), pl.col("revenue").sum(), 0.0, floats=True)
        cache["revenue:by_period"] = dict(zip((p.label for p in ctx.periods), sums, strict=True))
    return dict(cache["revenue:by_period"])


def _sums(ctx: Context, dim: str) -> dict[str, dict]:
    """Per value of `dim` over the range: {"revenue": Σ revenue, "repeat": revenue from
    returning customers / revenue × 100} (as measures.breakdown: case-insensitive groups)."""
    cache = cache_of(ctx)
    if ("revenue:dim", dim) not in cache:
        rng = range_parts(ctx).df
        g = (rng.group_by(dim).agg(_rev=pl.col("revenue").sum(), _rep=REPEAT.sum())
             .with_columns(_k=pl.col(dim).str.to_lowercase()))
        if g["_k"].n_unique() < g.height:  # spellings differing in case: group as breakdown
            rows = rng.with_columns(rep=REPEAT)
            rate = pl.col("rep").sum() / pl.col("revenue").sum() * 100
            out = {"revenue": breakdown(rows, dim, pl.col("revenue").sum()),
                   "repeat": breakdown(rows, dim, rate)}
        else:  # one spelling per group: it is the display name
            g = g.sort("_k", nulls_last=True).with_columns(
                _v=pl.col("_rep") / pl.col("_rev") * 100)
            keys = [NONE_KEY if k is None else k for k in g[dim]]
            out = {"revenue": dict(zip(keys, g["_rev"], strict=True)),
                   "repeat": dict(zip(keys, g["_v"], strict=True))}
        cache["revenue:dim", dim] = out
    return cache["revenue:dim", dim]


def _revenue(ctx: Context) -> Value:
    rng = range_parts(ctx).df
    total = revenue_of(rng)
    lines = rng.height - rng["revenue"].null_count()
    by = {d: dict(_sums(ctx, d)["revenue"]) for d in ("region", "team") if ctx.has("orders", d)}
    return Value(total, _by_period(ctx), by,
                 explanation=f"Σ revenue of {num(lines)} order lines = {money(total, ctx.currency)}")


def _orders_count(ctx: Context) -> Value:
    n, per = order_counts(ctx)
    by_period = {p.label: v for p, v in zip(ctx.periods, per, strict=True)}
    return Value(float(n), by_period, explanation=f"{num(n)} distinct orders in {ctx.range_label}")


def _sum(revenue: pl.Series) -> float:
    return float(revenue.sum() or 0.0) if revenue.len() else 0.0


def _with_revenue(df: pl.DataFrame) -> float:
    """Σ revenue of the lines having one."""
    return _sum(df["revenue"].drop_nulls())


def _apv(ctx: Context) -> Value:
    parts = range_parts(ctx)
    n, per = order_counts(ctx, "revenue")
    total = _with_revenue(parts.df)
    value = div(total, n)
    by_period = {p.label: div(_with_revenue(parts.part(i)), per[i])
                 for i, p in enumerate(ctx.periods)}
    return Value(value, by_period, explanation=f"{money(total, ctx.currency)} / {num(n)} orders "
                 f"= {money(value, ctx.currency)}")


def _between(ctx: Context, start: dt.date, end: dt.date) -> float:
    """Σ revenue of the lines dated in [start, end] (a slice of the day-ordered lines)."""
    r = order_rows(ctx)
    a, b = r.cut(start), r.cut(end + DAY)
    return _sum(r.dated["revenue"].slice(a, max(0, b - a)))


def _month_revenue(m: dt.date, ctx: Context) -> float:
    """A month's revenue: clipped to the range when it intersects it, else whole."""
    start, end = month_start(m), month_end(m)
    if end >= ctx.start and start <= ctx.end:
        start, end = max(start, ctx.start), min(end, ctx.end)
    return _between(ctx, start, end)


def _growth(cur: float, prev: float) -> float | None:
    return pct_of(cur - prev, prev)


def _mom(ctx: Context) -> Value:
    by_period: dict[str, float | None] = {}
    m = month_start(ctx.start)
    last = None
    prev = _month_revenue(add_months(m, -1), ctx)
    while m <= ctx.end:
        cur = _month_revenue(m, ctx)
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


def _yoy(ctx: Context) -> Value:
    by_period: dict[str, float | None] = {}
    detail = ""
    for p in ctx.periods:
        cur = _between(ctx, p.clip_start, p.clip_end)
        earlier = _year_earlier(ctx, p.clip_start)
        prev = _between(ctx, *earlier) if earlier else 0.0
        by_period[p.label] = _growth(cur, prev) if earlier else None
        detail = f"({num(cur)} − {num(prev)}) / {num(prev)} × 100"
    value = by_period[ctx.periods[-1].label] if ctx.periods else None
    return Value(value, by_period, explanation=f"{detail} = {pct(value)} "
                 f"({ctx.periods[-1].label} vs a year earlier)")


def _by_dimension(dim: str):
    def compute(ctx: Context) -> Value:
        total = revenue_of(range_parts(ctx).df)
        by = dict(_sums(ctx, dim)["revenue"])
        share = {k: pct_of(v, total) for k, v in by.items()}
        top = max(by.items(), key=lambda kv: kv[1] or 0, default=(None, 0))
        return Value(total, _by_period(ctx), {dim: by}, {"share_pct": share},
                     explanation=f"{money(total, ctx.currency)} over {len(by)} {dim} values; "
                     f"largest: {top[0]} {money(top[1], ctx.currency)} "
                     f"({pct(pct_of(top[1], total))})")
    return compute


def _repeat_of(df: pl.DataFrame) -> tuple[float, float]:
    return _sum(where(df, "revenue", pl.col("_f") < pl.col("d"))), revenue_of(df)


def _repeat_sales(ctx: Context) -> Value:
    parts = range_parts(ctx)
    rep, tot = _repeat_of(parts.df)
    by_period = {p.label: pct_of(*_repeat_of(parts.part(i))) for i, p in enumerate(ctx.periods)}
    by = {k: (None if v is None or v != v else v)
          for k, v in _sums(ctx, "channel")["repeat"].items()}
    value = pct_of(rep, tot)
    return Value(value, by_period, {"channel": by},
                 explanation=f"{money(rep, ctx.currency)} from returning customers / "
                 f"{money(tot, ctx.currency)} × 100 = {pct(value)}")


def _expansion_of(rows: pl.DataFrame, start: dt.date) -> tuple[float, int, float]:
    """Revenue and customers of the lines of customers who first bought before `start`."""
    old = pl.col("_f") < start
    return (_sum(where(rows, "revenue", old)), where(rows, "_c", old).n_unique(),
            revenue_of(rows))


def _expansion(ctx: Context) -> Value:
    parts = range_parts(ctx)
    value, customers, total = _expansion_of(parts.df, ctx.start)
    by_period = {p.label: _expansion_of(parts.part(i), p.clip_start)[0]
                 for i, p in enumerate(ctx.periods)}
    share = pct_of(value, total)
    return Value(value, by_period, extra={"existing_customers": customers,
                                          "share_of_revenue_pct": share},
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
