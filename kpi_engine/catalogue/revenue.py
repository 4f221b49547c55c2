"""A. Revenue and growth (orders-based): revenue, orders, growth, APV, revenue by dimension,
repeat sales, expansion. (won_revenue: pipeline.py; mrr/arr/arpa: customers.py;
monthly_sales_progress: team.py.)"""

from __future__ import annotations

import datetime as dt

import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import KPI, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of
from kpi_engine.measures import (
    breakdown,
    first_purchases,
    flow_by_period,
    in_interval,
    order_count,
    orders,
)
from kpi_engine.measures import revenue as revenue_of
from kpi_engine.query import add_months, month_end, month_start, period_of

REV = "orders.revenue|orders.quantity+orders.unit_price"


def _dims(ctx: Context, dims: tuple[str, ...], df: pl.DataFrame, agg: pl.Expr) -> dict:
    return {d: breakdown(df, d, agg) for d in dims if ctx.has("orders", d)}


def _revenue(ctx: Context) -> Value:
    o = orders(ctx)
    rng = in_interval(o, "order_date", ctx.start, ctx.end)
    total = revenue_of(rng)
    by_period = flow_by_period(ctx, o, "order_date", pl.col("revenue").sum())
    lines = rng.filter(pl.col("revenue").is_not_null()).height
    return Value(total, by_period, _dims(ctx, ("region", "team"), rng, pl.col("revenue").sum()),
                 explanation=f"Σ revenue of {num(lines)} order lines = {money(total, ctx.currency)}")


def _orders_count(ctx: Context) -> Value:
    o = orders(ctx)
    n = order_count(in_interval(o, "order_date", ctx.start, ctx.end))
    by_period = flow_by_period(ctx, o, "order_date", pl.col("okey").n_unique(), empty=0)
    return Value(float(n), by_period, explanation=f"{num(n)} distinct orders in {ctx.range_label}")


def _apv_of(df: pl.DataFrame) -> tuple[float | None, float, int]:
    with_rev = df.filter(pl.col("revenue").is_not_null())
    total, n = revenue_of(with_rev), order_count(with_rev)
    return div(total, n), total, n


def _apv(ctx: Context) -> Value:
    o = orders(ctx)
    value, total, n = _apv_of(in_interval(o, "order_date", ctx.start, ctx.end))
    by_period = {p.label: _apv_of(in_interval(o, "order_date", p.clip_start, p.clip_end))[0]
                 for p in ctx.periods}
    return Value(value, by_period, explanation=f"{money(total, ctx.currency)} / {num(n)} orders "
                 f"= {money(value, ctx.currency)}")


def _month_revenue(o: pl.DataFrame, m: dt.date, ctx: Context) -> float:
    """A month's revenue: clipped to the range when it intersects it, else whole."""
    start, end = month_start(m), month_end(m)
    if end >= ctx.start and start <= ctx.end:
        start, end = max(start, ctx.start), min(end, ctx.end)
    return revenue_of(in_interval(o, "order_date", start, end))


def _growth(cur: float, prev: float) -> float | None:
    return pct_of(cur - prev, prev)


def _mom(ctx: Context) -> Value:
    o = orders(ctx)
    by_period: dict[str, float | None] = {}
    m = month_start(ctx.start)
    last = None
    while m <= ctx.end:
        cur, prev = _month_revenue(o, m, ctx), _month_revenue(o, add_months(m, -1), ctx)
        by_period[m.strftime("%Y-%m")] = _growth(cur, prev)
        last = (m, cur, prev)
        m = add_months(m, 1)
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
    o = orders(ctx)
    by_period: dict[str, float | None] = {}
    detail = ""
    for p in ctx.periods:
        cur = revenue_of(in_interval(o, "order_date", p.clip_start, p.clip_end))
        earlier = _year_earlier(ctx, p.clip_start)
        prev = revenue_of(in_interval(o, "order_date", *earlier)) if earlier else 0.0
        by_period[p.label] = _growth(cur, prev) if earlier else None
        detail = f"({num(cur)} − {num(prev)}) / {num(prev)} × 100"
    value = by_period[ctx.periods[-1].label] if ctx.periods else None
    return Value(value, by_period, explanation=f"{detail} = {pct(value)} "
                 f"({ctx.periods[-1].label} vs a year earlier)")


def _by_dimension(dim: str):
    def compute(ctx: Context) -> Value:
        o = orders(ctx)
        rng = in_interval(o, "order_date", ctx.start, ctx.end)
        total = revenue_of(rng)
        by = breakdown(rng, dim, pl.col("revenue").sum())
        share = {k: pct_of(v, total) for k, v in by.items()}
        by_period = flow_by_period(ctx, o, "order_date", pl.col("revenue").sum())
        top = max(by.items(), key=lambda kv: kv[1] or 0, default=(None, 0))
        return Value(total, by_period, {dim: by}, {"share_pct": share},
                     explanation=f"{money(total, ctx.currency)} over {len(by)} {dim} values; "
                     f"largest: {top[0]} {money(top[1], ctx.currency)} "
                     f"({pct(pct_of(top[1], total))})")
    return compute


def _repeat_of(df: pl.DataFrame, first: pl.DataFrame) -> tuple[float, float]:
    joined = df.join(first, on="ckey", how="left")
    repeat = joined.filter(pl.col("ckey").is_not_null() & (pl.col("first") < pl.col("d")))
    return revenue_of(repeat), revenue_of(df)


def _repeat_sales(ctx: Context) -> Value:
    o = orders(ctx)
    first = first_purchases(ctx)
    rng = in_interval(o, "order_date", ctx.start, ctx.end)
    rep, tot = _repeat_of(rng, first)
    by_period = {}
    for p in ctx.periods:
        r, t = _repeat_of(in_interval(o, "order_date", p.clip_start, p.clip_end), first)
        by_period[p.label] = pct_of(r, t)
    joined = rng.join(first, on="ckey", how="left").with_columns(
        rep=pl.when(pl.col("ckey").is_not_null() & (pl.col("first") < pl.col("d")))
        .then(pl.col("revenue")).otherwise(0.0))
    by = breakdown(joined, "channel", (pl.col("rep").sum() / pl.col("revenue").sum() * 100))
    by = {k: (None if v is None or v != v else v) for k, v in by.items()}
    value = pct_of(rep, tot)
    return Value(value, by_period, {"channel": by},
                 explanation=f"{money(rep, ctx.currency)} from returning customers / "
                 f"{money(tot, ctx.currency)} × 100 = {pct(value)}")


def _expansion_of(o: pl.DataFrame, first: pl.DataFrame, start: dt.date, end: dt.date,
                  ) -> tuple[float, int, float]:
    rows = in_interval(o, "order_date", start, end)
    existing = rows.join(first.filter(pl.col("first") < start), on="ckey", how="inner")
    return revenue_of(existing), int(existing["ckey"].n_unique()), revenue_of(rows)


def _expansion(ctx: Context) -> Value:
    o = orders(ctx)
    first = first_purchases(ctx)
    value, customers, total = _expansion_of(o, first, ctx.start, ctx.end)
    by_period = {p.label: _expansion_of(o, first, p.clip_start, p.clip_end)[0]
                 for p in ctx.periods}
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
