"""H. Customers (new customers, CAC, frequency, lifespan, CLV, retention, churn) and the
subscription stocks of group A (mrr, arr, arpa).

Customers come from orders.customer_id when orders have it, else from subscriptions (catalogue
section 2, "Customers" and "Subscriptions"). Retention and churn use whole periods of the grain.
The order lines come numbered by customer and period from revenue.py (`order_rows`,
`range_parts`): the orders-based counts below use integer keys and slices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np
import polars as pl

from kpi_engine.catalogue import register
from kpi_engine.catalogue.spec import INF, KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of, ratio
from kpi_engine.measures import breakdown, display_names
from kpi_engine.measures import revenue as revenue_of
from kpi_engine.query import add_months, month_end, month_start
from kpi_engine.targets import attainment

Basis = Literal["orders", "subscriptions"]
REV = "orders.revenue|orders.quantity+orders.unit_price"
BASIS = "orders.customer_id|subscriptions"
COSTS = "marketing|settings.marketing_costs_per_month|settings.sales_costs_per_month"
SUBS = "subscriptions.mrr|subscriptions.amount"
DAY = dt.timedelta(days=1)


def _cache(ctx: Context) -> dict[Any, Any]:
    return ctx.__dict__.setdefault("_measure_cache", {})


def _lines() -> ModuleType:
    """revenue.py, which numbers the order lines once for groups A and H; imported on use (an
    import at the top would register group A before this module and reorder the catalogue)."""
    from kpi_engine.catalogue import revenue

    return revenue


# -- customer sets ---------------------------------------------------------------------------
def _basis(ctx: Context) -> Basis:
    return "orders" if ctx.has("orders", "customer_id") else "subscriptions"


def _both(ctx: Context) -> bool:
    return ctx.has("orders") and ctx.has("subscriptions")


def _subs(ctx: Context) -> pl.DataFrame:
    """Subscription rows with `s` / `e` (first / last subscribed day) and `ckey`."""
    cache = _cache(ctx)
    if "customers:subs" not in cache:
        df = ctx.t("subscriptions")
        assert df is not None
        c = pl.col("customer_id")
        cache["customers:subs"] = df.with_columns(
            s=pl.col("start_date").dt.date(), e=pl.col("end_date").dt.date(),
            ckey=pl.when(c.str.contains("@")).then(c.str.to_lowercase()).otherwise(c))
    return cache["customers:subs"]


def _keys(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("ckey").is_not_null()).select("ckey").unique()


def _subscribed_rows(ctx: Context, d: dt.date) -> pl.DataFrame:
    """Subscription rows active at the close of day d."""
    e = pl.col("e")
    return _subs(ctx).filter((pl.col("s") <= d) & (e.is_null() | (e >= d)))


def _subscribed(ctx: Context, d: dt.date) -> pl.DataFrame:
    return _keys(_subscribed_rows(ctx, d))


def _firsts(ctx: Context, basis: Basis) -> pl.DataFrame:
    """ckey -> `first`: first valid purchase ever, or earliest subscription start."""
    if basis == "orders":
        return _lines().order_rows(ctx).firsts
    cache = _cache(ctx)
    if "customers:first_sub" not in cache:
        cache["customers:first_sub"] = (_subs(ctx).filter(pl.col("ckey").is_not_null())
                                        .group_by("ckey").agg(first=pl.col("s").min()))
    return cache["customers:first_sub"]


def _first_count(ctx: Context, basis: Basis, before: dt.date) -> int:
    """Customers whose first purchase (subscription start) is before day `before`."""
    cache = _cache(ctx)
    if ("customers:first_days", basis) not in cache:
        firsts = _firsts(ctx, basis)["first"].drop_nulls().sort()
        cache["customers:first_days", basis] = _lines().as_days(firsts)
    return int(np.searchsorted(cache["customers:first_days", basis],
                               np.datetime64(before, "D"), side="left"))


def _new_count(ctx: Context, basis: Basis, start: dt.date, end: dt.date) -> int:
    """Customers whose first purchase (subscription start) lies in [start, end]."""
    return max(0, _first_count(ctx, basis, end + DAY) - _first_count(ctx, basis, start))


def _new(ctx: Context, basis: Basis, start: dt.date, end: dt.date) -> pl.DataFrame:
    f = _firsts(ctx, basis)
    return f.filter((pl.col("first") >= start) & (pl.col("first") <= end)).select("ckey")


def _flow(ctx: Context, start: dt.date, end: dt.date,
          ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Subscribed customers at the start and at the end of the whole period [start, end], and
    the lost ones (at its start, not at its end)."""
    at_start, at_end = _subscribed(ctx, start - DAY), _subscribed(ctx, end)
    return at_start, at_end, at_start.join(at_end, on="ckey", how="anti")


@dataclass(frozen=True)
class Counts:
    """Customers at the start of a whole period, lost in it, at its end and not new."""

    start: int
    lost: int
    retained: int

    def rate(self, kind: str) -> float | None:
        return pct_of(self.retained if kind == "retention" else self.lost, self.start)


def _counts(ctx: Context, basis: Basis, i: int) -> Counts:
    """The customer flow of the whole period ctx.periods[i] (P−1: the whole period before)."""
    memo = _cache(ctx).setdefault(("customers:counts", basis), {})
    if i not in memo:
        if basis == "orders":
            g = _lines().active_customers(ctx).group_by("q").agg(n=pl.len(), lost=(~pl.col("kept")).sum(),
                                               new=pl.col("new").sum())
            at = {q: (n, lost, new) for q, n, lost, new in g.iter_rows()}
            for j in range(len(ctx.periods)):
                start, lost, _ = at.get(j, (0, 0, 0))
                end, _, new = at.get(j + 1, (0, 0, 0))
                memo[j] = Counts(start, lost, end - new)
        else:
            p = ctx.periods[i]
            at_start, at_end, lost = _flow(ctx, p.start, p.end)
            new = _new(ctx, "subscriptions", p.start, p.end)
            memo[i] = Counts(at_start.height, lost.height,
                             at_end.join(new, on="ckey", how="anti").height)
    return memo[i]


def _head(ctx: Context) -> int | None:
    """The last period of the range whose end is on or before the range end."""
    done = [i for i, p in enumerate(ctx.periods) if p.end <= ctx.end]
    return done[-1] if done else None


def _monthly_churn(ctx: Context) -> tuple[float | None, int, int]:
    """Subscriptions' monthly churn %: Σ lost / Σ at start over the whole calendar months
    intersecting the range that end by the range end."""
    memo = _cache(ctx)
    if "customers:monthly_churn" not in memo:
        lost = at_start = 0
        m = month_start(ctx.start)
        while month_end(m) <= ctx.end:
            f = _flow(ctx, m, month_end(m))
            lost += f[2].height
            at_start += f[0].height
            m = add_months(m, 1)
        memo["customers:monthly_churn"] = pct_of(lost, at_start), lost, at_start
    return memo["customers:monthly_churn"]


# -- costs ------------------------------------------------------------------------------------
def _marketing_cost(ctx: Context, start: dt.date, end: dt.date) -> tuple[float, str]:
    """Marketing cost of [start, end] (month rows pro rata by days) and where it came from."""
    m = ctx.t("marketing")
    if m is not None:
        d = pl.col("date").dt.date()
        lo = pl.max_horizontal(d, pl.lit(start))
        hi = pl.min_horizontal(d.dt.month_end(), pl.lit(end))
        days = ((hi - lo).dt.total_days() + 1).clip(lower_bound=0)
        month_row = pl.col("_month_row") if "_month_row" in m.columns else pl.lit(False)
        share = (pl.when(month_row).then(days / d.dt.days_in_month())
                 .when((d >= start) & (d <= end)).then(1.0).otherwise(0.0))
        cost = m.select((pl.col("cost").fill_null(0.0) * share).sum()).item()
        return float(cost or 0.0), "marketing"
    per_month = ctx.settings.marketing_costs_per_month
    if per_month is not None:
        return per_month * ctx.months(start, end), "settings"
    return 0.0, "none"


@dataclass(frozen=True)
class Cac:
    value: float | None
    marketing: float
    source: str
    sales: float
    new: int


def _cac_of(ctx: Context, start: dt.date, end: dt.date) -> Cac:
    memo = _cache(ctx).setdefault("customers:cac", {})
    if (start, end) not in memo:
        marketing, source = _marketing_cost(ctx, start, end)
        sales = (ctx.settings.sales_costs_per_month or 0.0) * ctx.months(start, end)
        new = _new_count(ctx, _basis(ctx), start, end)
        memo[start, end] = Cac(div(marketing + sales, new), marketing, source, sales, new)
    return memo[start, end]


def _costs_available(ctx: Context) -> bool:
    s = ctx.settings
    return (ctx.has("marketing") or s.marketing_costs_per_month is not None
            or s.sales_costs_per_month is not None)


# -- new customers, CAC, frequency ------------------------------------------------------------
def _new_customers(ctx: Context) -> Value:
    basis = _basis(ctx)
    n = _new_count(ctx, basis, ctx.start, ctx.end)
    by_period = {p.label: float(_new_count(ctx, basis, p.clip_start, p.clip_end))
                 for p in ctx.periods}
    first = "first purchase ever" if basis == "orders" else "earliest subscription start"
    extra: dict = {"source": basis}
    if _both(ctx):
        extra["subscriptions_based"] = _new_count(ctx, "subscriptions", ctx.start, ctx.end)
    text = f"{num(n)} customers whose {first} is in {ctx.range_label}"
    status = None
    against = attainment(ctx, n, "new_customers")
    if against is not None:
        target, att, status = against
        extra.update(target=target, attainment_pct=att)
        text += f"; {num(n)} / {num(target)} target × 100 = {pct(att)}"
    return Value(float(n), by_period, extra=extra, explanation=text, status=status)


def _cac(ctx: Context) -> Value:
    c = _cac_of(ctx, ctx.start, ctx.end)
    by_period = {p.label: _cac_of(ctx, p.clip_start, p.clip_end).value for p in ctx.periods}
    per_month = ctx.settings.sales_costs_per_month
    source = {"marketing": "marketing cost", "none": "no marketing cost",
              "settings": "marketing_costs_per_month × months"}[c.source]
    return Value(c.value, by_period,
                 extra={"sales_costs_per_month": per_month, "marketing_cost": c.marketing},
                 explanation=f"({money(c.marketing, ctx.currency)} {source} + "
                 f"{money(c.sales, ctx.currency)} sales costs) / {num(c.new)} new customers "
                 f"= {money(c.value, ctx.currency)}")


def _frequency(ctx: Context) -> tuple[tuple[float | None, int, int], list[float | None]]:
    """(orders / customers, orders, customers) of the range, and orders / customers per period,
    over the lines with a customer."""
    cache = _cache(ctx)
    if "customers:frequency" not in cache:
        n, per_n = _lines().order_counts(ctx, "_c")
        customers, per_c = _lines().customer_counts(ctx)
        cache["customers:frequency"] = ((div(n, customers), n, customers),
                                        [div(a, b) for a, b in zip(per_n, per_c, strict=True)])
    return cache["customers:frequency"]


def _purchase_frequency(ctx: Context) -> Value:
    (value, n, c), per = _frequency(ctx)
    by_period = {p.label: v for p, v in zip(ctx.periods, per, strict=True)}
    return Value(value, by_period, explanation=f"{num(n)} orders / {num(c)} customers = "
                 f"{num(value, 2) if value is not None else 'n/a'}")


# -- lifespan and lifetime value -----------------------------------------------------------
def _lifespan_subs(ctx: Context) -> tuple[float | None, float | None]:
    """(years = 1 / monthly churn / 12, monthly churn %); n/a when nobody was lost."""
    churn, lost, _ = _monthly_churn(ctx)
    if churn is None or lost == 0:
        return None, churn
    return 1 / (churn / 100) / 12, churn


def _years(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} years"


def _customer_lifespan(ctx: Context) -> Value:
    basis = _basis(ctx)
    extra: dict = {"source": basis}
    sub_years, churn = _lifespan_subs(ctx) if ctx.has("subscriptions") else (None, None)
    if basis == "orders":
        value, n = _lines().lifespan(ctx)
        text = (f"mean (last − first purchase) of {num(n)} customers with ≥ 2 purchase days up "
                f"to {ctx.end.isoformat()} = {_years(value)}")
    else:
        value = sub_years
        text = f"1 / {pct(churn)} monthly churn / 12 = {_years(value)}"
    if _both(ctx):
        extra["subscriptions_based"] = sub_years
    elif basis == "subscriptions":
        extra["monthly_churn_pct"] = churn
    return Value(value, {}, extra=extra, explanation=text)


def _gross_margin(ctx: Context) -> float | None:
    """Revenue-weighted margin % of the range's rows having both a cost and a revenue."""
    rng = _lines().range_parts(ctx).df.select("revenue", "cost", "profit")
    cost = pl.coalesce(pl.col("cost"), pl.col("revenue") - pl.col("profit"))
    rows = rng.with_columns(_cost=cost).filter(
        pl.col("_cost").is_not_null() & pl.col("revenue").is_not_null())
    rev = float(rows["revenue"].sum() or 0.0)
    return pct_of(rev - float(rows["_cost"].sum() or 0.0), rev)


def _mrr_at(ctx: Context, t: dt.date) -> tuple[float, int]:
    """Σ mrr of the subscriptions active at day t and the distinct customers among them."""
    rows = _subscribed_rows(ctx, t)
    return float(rows["mrr"].sum() or 0.0), _keys(rows).height


@dataclass(frozen=True)
class Clv:
    value: float | None
    apv: float | None
    frequency: float | None
    lifespan: float | None


def _clv_of(ctx: Context) -> Clv:
    cache = _cache(ctx)
    if "customers:clv" not in cache:
        lines = _lines()
        rev = lines.range_parts(ctx).df["revenue"].drop_nulls()
        apv = div(float(rev.sum() or 0.0) if rev.len() else 0.0,
                  lines.order_counts(ctx, "revenue")[0])
        frequency = _frequency(ctx)[0][0]
        lifespan = lines.lifespan(ctx)[0]
        value = (None if apv is None or frequency is None or lifespan is None
                 else apv * frequency / ctx.range_years * lifespan)
        cache["customers:clv"] = Clv(value, apv, frequency, lifespan)
    return cache["customers:clv"]


def _clv(ctx: Context) -> Value:
    c = _clv_of(ctx)
    cur = ctx.currency
    extra: dict = {"method": "apv_x_frequency_x_lifespan"}
    if _costs_available(ctx):
        per_customer = div(revenue_of(_lines().range_parts(ctx).df), _frequency(ctx)[0][2])
        cac = _cac_of(ctx, ctx.start, ctx.end).value
        extra["clv_revenue_minus_cac"] = (
            None if per_customer is None or c.lifespan is None or cac is None
            else per_customer / ctx.range_years * c.lifespan - cac)
    if (ctx.has("orders", "cost") or ctx.has("orders", "profit")) and ctx.has("subscriptions"):
        margin, churn = _gross_margin(ctx), _monthly_churn(ctx)[0]
        mrr, accounts = _mrr_at(ctx, ctx.end)
        arpa = div(mrr, accounts)
        extra["clv_margin_churn_arpa"] = (
            None if margin is None or not churn or arpa is None
            else margin / 100 * (1 / (churn / 100)) * arpa)
    freq = "n/a" if c.frequency is None else num(c.frequency, 2)
    return Value(c.value, {}, extra=extra,
                 explanation=f"{money(c.apv, cur)} per purchase × {freq} purchases per customer "
                 f"/ {ctx.range_years:.2f} years × {_years(c.lifespan)} = {money(c.value, cur)}")


def _ltv_cac(ctx: Context) -> Value:
    clv = _clv_of(ctx).value
    cac = _cac_of(ctx, ctx.start, ctx.end).value
    value = div(clv, cac)
    return Value(value, {}, explanation=f"{money(clv, ctx.currency)} CLV / "
                 f"{money(cac, ctx.currency)} CAC = {ratio(value)}")


# -- retention and churn ---------------------------------------------------------------------
def _rate_kpi(kind: Literal["retention", "churn"]) -> Callable[[Context], Value]:
    def compute(ctx: Context) -> Value:
        basis = _basis(ctx)
        by_period = {p.label: _counts(ctx, basis, i).rate(kind)
                     for i, p in enumerate(ctx.periods)}
        h = _head(ctx)
        extra: dict = {"period": ctx.periods[h].label if h is not None else None}
        by: dict = {}
        if h is None:
            value, text = None, f"no whole {ctx.grain} ends by {ctx.end.isoformat()}: n/a"
            if _both(ctx):
                extra["subscriptions_based"] = None
        else:
            f = _counts(ctx, basis, h)
            value = f.rate(kind)
            top = f.retained if kind == "retention" else f.lost
            what = "at end not new" if kind == "retention" else "lost"
            text = (f"{num(top)} customers {what} in {ctx.periods[h].label} / {num(f.start)} at "
                    f"its start × 100 = {pct(value)}")
            if _both(ctx):
                extra["subscriptions_based"] = _counts(ctx, "subscriptions", h).rate(kind)
        if kind == "churn" and _rep_table(ctx, basis):
            by["rep"] = _churn_by_rep(ctx, basis, h)[0]
        return Value(value, by_period, by, extra, text)
    return compute


def _rep_table(ctx: Context, basis: Basis) -> bool:
    return ctx.has("orders" if basis == "orders" else "subscriptions", "rep")


def _rep_map(df: pl.DataFrame, key: str, names: dict[str, str]) -> pl.DataFrame:
    """key -> rep on most of the customer's rows (ties: first in code-point order)."""
    counts = (df.filter(pl.col(key).is_not_null() & pl.col("rep").is_not_null())
              .group_by(key, "rep").len()
              .group_by(key, k=pl.col("rep").str.to_lowercase()).agg(pl.col("len").sum())
              .sort([key, "len", "k"], descending=[False, True, False])
              .unique(key, keep="first", maintain_order=True))
    return counts.select(key, rep=pl.col("k").replace(names))


def _lost_accounts(ctx: Context, basis: Basis, h: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The customers at the start of period h (`rep`, `lost`) and the lost ones with `days`
    (last − first purchase or subscribed day)."""
    head = ctx.periods[h]
    if basis == "orders":
        r = _lines().order_rows(ctx)
        act = _lines().active_customers(ctx)
        start = act.filter(pl.col("q") == h).select("c", lost=~pl.col("kept"))
        lines = r.lines.select("_c", "rep").filter(pl.col("_c").is_in(start["c"].implode()))
        at_start = start.join(_rep_map(lines, "_c", display_names(r.lines["rep"])), left_on="c",
                              right_on="_c", how="left")
        lost = at_start.filter(pl.col("lost"))
        before = r.dated.select("_c", "d").slice(0, r.cut(head.start))
        last = (before.filter(pl.col("_c").is_in(lost["c"].implode()))
                .group_by("_c").agg(last=pl.col("d").max()))
        lost = lost.with_columns(first=r.firsts["first"].gather(lost["c"])).join(
            last, left_on="c", right_on="_c", how="left")
    else:
        (start, end, _), subs = _flow(ctx, head.start, head.end), _subs(ctx)
        at_start = (start.join(_rep_map(subs, "ckey", display_names(subs["rep"])),
                               on="ckey", how="left")
                    .join(end.with_columns(_kept=pl.lit(True)), on="ckey", how="left")
                    .with_columns(lost=pl.col("_kept").is_null()))
        last = (subs.filter(pl.col("ckey").is_not_null() & (pl.col("e") <= head.end))
                .group_by("ckey").agg(last=pl.col("e").max()))
        lost = (at_start.filter(pl.col("lost")).join(_firsts(ctx, basis), on="ckey", how="left")
                .join(last, on="ckey", how="left"))
    return at_start, lost.with_columns(days=(pl.col("last") - pl.col("first")).dt.total_days())


def _churn_by_rep(ctx: Context, basis: Basis, h: int | None) -> tuple[dict, dict]:
    """(churn % per rep, mean lifetime days of the lost accounts per rep) in period h."""
    if h is None:
        return {}, {}
    memo = _cache(ctx)
    if ("customers:churn_by_rep", basis) not in memo:
        at_start, lost = _lost_accounts(ctx, basis, h)
        by_rep = breakdown(at_start, "rep", pl.col("lost").sum() / pl.len() * 100)
        names = {k.lower(): k for k in by_rep}
        life = breakdown(lost, "rep", pl.col("days").mean(), names)
        memo["customers:churn_by_rep", basis] = by_rep, {k: life.get(k) for k in by_rep}
    return memo["customers:churn_by_rep", basis]


def _churn_rep(ctx: Context) -> Value:
    basis = _basis(ctx)
    h = _head(ctx)
    extra: dict = {"period": ctx.periods[h].label if h is not None else None}
    value = _counts(ctx, basis, h).rate("churn") if h is not None else None
    if not _rep_table(ctx, basis):  # orders.customer_id without orders.rep: no per-rep split
        extra["lost_account_lifetime_days_by_rep"] = {}
        return Value(value, {}, extra=extra, explanation=f"churn {pct(value)}; per rep needs "
                     "orders.rep (customers come from orders.customer_id)")
    by_rep, life = _churn_by_rep(ctx, basis, h)
    extra["lost_account_lifetime_days_by_rep"] = life
    parts = ", ".join(f"{k} {pct(v)}" for k, v in by_rep.items())
    text = (f"churn in {ctx.periods[h].label} by rep: {parts}; all reps {pct(value)}"
            if h is not None else f"no whole {ctx.grain} ends by {ctx.end.isoformat()}: n/a")
    return Value(value, {}, {"rep": by_rep}, extra, text)


def _existing_of(ctx: Context, df: pl.DataFrame, start: dt.date) -> tuple[float | None, int, int]:
    """Customers who first bought before `start` and bought in the lines `df`."""
    existing = _first_count(ctx, "orders", start)
    converted = _lines().where(df, "_c", pl.col("_f") < start).n_unique()
    return pct_of(converted, existing), converted, existing


def _existing_conversion(ctx: Context) -> Value:
    parts = _lines().range_parts(ctx)
    value, converted, existing = _existing_of(ctx, parts.df, ctx.start)
    by_period = {p.label: _existing_of(ctx, parts.part(i), p.clip_start)[0]
                 for i, p in enumerate(ctx.periods)}
    return Value(value, by_period, explanation=f"{num(converted)} of {num(existing)} customers "
                 f"who first bought before {ctx.start.isoformat()} bought again in the range "
                 f"× 100 = {pct(value)}")


# -- subscription stocks ---------------------------------------------------------------------
def _mrr(ctx: Context) -> Value:
    value, n = _mrr_at(ctx, ctx.end)
    by_period = {p.label: _mrr_at(ctx, p.clip_end)[0] for p in ctx.periods}
    return Value(value, by_period, explanation=f"Σ mrr of the subscriptions of {num(n)} "
                 f"customers active on {ctx.end.isoformat()} = {money(value, ctx.currency)}")


def _arr(ctx: Context) -> Value:
    mrr = _mrr_at(ctx, ctx.end)[0]
    by_period = {p.label: _mrr_at(ctx, p.clip_end)[0] * 12 for p in ctx.periods}
    return Value(mrr * 12, by_period, explanation=f"{money(mrr, ctx.currency)} MRR × 12 = "
                 f"{money(mrr * 12, ctx.currency)}")


def _arpa(ctx: Context) -> Value:
    mrr, n = _mrr_at(ctx, ctx.end)
    value = div(mrr, n)
    by_period = {p.label: div(*_mrr_at(ctx, p.clip_end)) for p in ctx.periods}
    return Value(value, by_period, explanation=f"{money(mrr, ctx.currency)} MRR / {num(n)} "
                 f"active accounts on {ctx.end.isoformat()} = {money(value, ctx.currency)}")


LTV_CAC_BAND = Band(good=(1, 5, False, False), watch=((5, INF, True, False),))

register(
    KPI("mrr", "Monthly recurring revenue", "A", "money", "higher", "stock",
        "Paying customers in month × Average revenue per customer in month "
        "(= Σ mrr of active subscriptions)", SUBS, _mrr, source="S0#11"),
    KPI("arr", "Annual recurring revenue", "A", "money", "higher", "stock", "MRR × 12", SUBS,
        _arr, source="S0#11"),
    KPI("arpa", "Average revenue per account", "A", "money", "higher", "stock",
        "MRR / Number of active accounts", SUBS, _arpa, source="S0#12"),
    KPI("new_customers", "New customers", "H", "count", "higher", "flow",
        "customers whose first purchase ever (or subscription start) falls in the period", BASIS,
        _new_customers, ("source", "subscriptions_based", "target", "attainment_pct"),
        source="S0#6"),
    KPI("cac", "Customer acquisition cost", "H", "money", "lower", "rate",
        "Sales and marketing costs / Number of new customers", f"{COSTS}, {BASIS}", _cac,
        ("sales_costs_per_month", "marketing_cost"), source="S0#6, S1, S2"),
    KPI("purchase_frequency", "Purchase frequency", "H", "ratio", "higher", "rate",
        "Number of purchases / Number of unique customers", "orders.customer_id",
        _purchase_frequency, source="S4"),
    KPI("customer_lifespan", "Customer lifespan", "H", "years", "higher", "mean",
        "mean (last purchase − first purchase) over customers with ≥ 2 purchase dates, years; "
        "or 1 / monthly churn for subscriptions", BASIS, _customer_lifespan,
        ("source", "subscriptions_based", "monthly_churn_pct"), source="S4"),
    KPI("clv", "Customer lifetime value", "H", "money", "higher", "value",
        "APV × Purchase frequency (per year) × Customer lifespan (years); alternatives: "
        "(Annual revenue per customer × Relationship years) − CAC; "
        "Gross margin % × (1 / Monthly churn) × ARPA", f"{REV}, orders.customer_id", _clv,
        ("method", "clv_revenue_minus_cac", "clv_margin_churn_arpa"),
        source="S0#7, S1, S3#34, S4"),
    KPI("ltv_cac_ratio", "LTV : CAC", "H", "ratio", "higher", "value",
        "CLV / CAC; about 3 : 1 is healthy, ≤ 1 : 1 spends too much, ≥ 5 : 1 too little",
        f"{REV}, orders.customer_id, {COSTS}", _ltv_cac, band=LTV_CAC_BAND, source="S3#34"),
    KPI("customer_retention_rate", "Customer retention rate", "H", "percent", "higher", "rate",
        "(Customers at end of period − New customers) / Customers at start of period × 100",
        BASIS, _rate_kpi("retention"), ("period", "subscriptions_based"),
        source="S0#15, S1, S3#35"),
    KPI("churn_rate", "Churn rate", "H", "percent", "lower", "rate",
        "(Customers lost in period / Customers at start of period) × 100", BASIS,
        _rate_kpi("churn"), ("period", "subscriptions_based"), source="S0#16, S1, S3#36, S4"),
    KPI("churn_by_rep", "Churn by rep", "H", "percent", "lower", "breakdown",
        "churn rate per rep, with the lifetime of the lost accounts",
        "orders.customer_id+orders.rep|subscriptions.rep", _churn_rep,
        ("period", "lost_account_lifetime_days_by_rep"), source="S3#36"),
    KPI("existing_customer_conversion", "Existing-customer conversion", "H", "percent",
        "higher", "rate",
        "existing customers who renewed or bought another product / existing customers × 100",
        "orders.customer_id", _existing_conversion, source="S3#28"),
)
