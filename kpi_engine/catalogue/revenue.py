"""A. Revenue and growth (orders-based): revenue, orders, growth, APV, revenue by dimension,
repeat sales, expansion. (won_revenue: pipeline.py; mrr/arr/arpa: customers.py;
monthly_sales_progress: team.py.)

Lazy plan: the range's order lines get `_pid`, the index of their period
(`measures.range_lines`; with `_f`, the customer's first purchase day, in `range_firsts_lf`),
and every KPI is a few small aggregates over them, keyed so that KPIs share them: Σ revenue
per period ("revenue:by_period"), per dimension value ("revenue:by_<dim>", summed per spelling
before the case-insensitive grouping), distinct orders per period and over the range (counted
over the lines that start a run of one order, far fewer than the lines), repeat and expansion
revenue per period. Growth sums the revenue per month (MoM) and per period a year earlier (YoY).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context, between
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import (
    breakdown_dict,
    by_pid,
    in_range,
    orders_lf,
    pid,
    range_lines,
)
from kpi_engine.plan import Step, done, frame, join
from kpi_engine.query import add_months, month_start, period_of

REV = "orders.revenue|orders.quantity+orders.unit_price"
REPEAT = pl.when(pl.col("_f") < pl.col("d")).then(pl.col("revenue")).otherwise(0.0)
DAY = dt.timedelta(days=1)


# -- group A: lazy plans ------------------------------------------------------------------------
def range_firsts_lf(ctx: Context) -> pl.LazyFrame:
    """range_lines with `_f`: the line's customer's first purchase day ever (null without one).
    A window over all the lines rather than a join with each customer's first day: the
    customer key is then built once, not for each side of the join."""
    c = pl.col("ckey")
    first = pl.when(c.is_not_null()).then(pl.col("d").min().over(c))
    return (orders_lf(ctx).with_columns(_f=first).filter(in_range(ctx, "order_date"))
            .with_columns(pid(ctx, "d")))


def revenue_by_period(ctx: Context) -> Step[pl.DataFrame]:
    """Per `_pid`: Σ `revenue` and `lines` (lines with a revenue)."""
    return frame("revenue:by_period", range_lines(ctx).group_by("_pid").agg(
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
    rng = range_lines(ctx)
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
    """{display name: Σ revenue} over the range (as measures.breakdown_lf: case-insensitive)."""
    lf = sums_by(range_lines(ctx), dim, revenue=pl.col("revenue").sum())
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
