"""H. Customers (new customers, CAC, frequency, lifespan, CLV, retention, churn) and the
subscription stocks of group A (mrr, arr, arpa).

Customers come from orders.customer_id when orders have it, else from subscriptions (catalogue
section 2, "Customers" and "Subscriptions"). Retention and churn use whole periods of the grain.
Each KPI plans its frames with the steps of customers_base.py (distinct counts, cohort and flow
counts per period computed in the lazy plans; KPIs asking for the same numbers share a frame)
and only formats them here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from kpi_engine.catalogue import register
from kpi_engine.catalogue.customers_base import (
    Basis,
    Churn,
    Counts,
    Firsts,
    Frequency,
    basis,
    both,
    churn_by_rep_step,
    firsts_step,
    flow_step,
    frequency_step,
    head,
    lifespan_step,
    margin_step,
    marketing_step,
    monthly_churn_step,
    mrr_step,
    sums_step,
)
from kpi_engine.catalogue.customers_base import existing_step as _existing_step
from kpi_engine.catalogue.spec import INF, KPI, Band, Value
from kpi_engine.context import Context
from kpi_engine.fmt import div, money, num, pct, pct_of, ratio
from kpi_engine.plan import Step, join
from kpi_engine.targets import against_target

REV = "orders.revenue|orders.quantity+orders.unit_price"
BASIS = "orders.customer_id|subscriptions"
COSTS = "marketing|settings.marketing_costs_per_month|settings.sales_costs_per_month"
SUBS = "subscriptions.mrr|subscriptions.amount"


# -- costs ------------------------------------------------------------------------------------
def _costs_available(ctx: Context) -> bool:
    s = ctx.settings
    return (ctx.has("marketing") or s.marketing_costs_per_month is not None
            or s.sales_costs_per_month is not None)


@dataclass(frozen=True)
class Cac:
    value: float | None
    marketing: float
    source: str
    sales: float
    new: int


def _cac_step(ctx: Context) -> Step[list[Cac]]:
    """The CAC of each period (clipped), then of the range."""
    steps: dict[str, Step[Any]] = {"firsts": firsts_step(ctx, basis(ctx))}
    if ctx.lf("marketing") is not None:
        steps["marketing"] = marketing_step(ctx)
    spans = [(p.clip_start, p.clip_end) for p in ctx.periods] + [(ctx.start, ctx.end)]

    def finish(r: dict[str, Any]) -> list[Cac]:
        f: Firsts = r["firsts"]
        news = [*f.per, f.total]
        return [_cac_of(ctx, r.get("marketing"), i, start, end, news[i])
                for i, (start, end) in enumerate(spans)]
    return join(**steps).then(finish)


def _cac_of(ctx: Context, marketing: list[float] | None, i: int, start: dt.date, end: dt.date,
            new: int) -> Cac:
    per_month = ctx.settings.marketing_costs_per_month
    if marketing is not None:
        cost, source = marketing[i], "marketing"
    elif per_month is not None:
        cost, source = per_month * ctx.months(start, end), "settings"
    else:
        cost, source = 0.0, "none"
    sales = (ctx.settings.sales_costs_per_month or 0.0) * ctx.months(start, end)
    return Cac(div(cost + sales, new), cost, source, sales, new)


# -- new customers, CAC, frequency ------------------------------------------------------------
def _new_customers(ctx: Context) -> Step[Value]:
    b = basis(ctx)
    steps = {"firsts": firsts_step(ctx, b)}
    if both(ctx):
        steps["subs"] = firsts_step(ctx, "subscriptions")
    return join(**steps).then(lambda r: _new_value(ctx, b, r["firsts"], r.get("subs")))


def _new_value(ctx: Context, b: Basis, f: Firsts, subs: Firsts | None) -> Value:
    n = f.total
    by_period = {p.label: float(v) for p, v in zip(ctx.periods, f.per, strict=True)}
    first = "first purchase ever" if b == "orders" else "earliest subscription start"
    extra: dict = {"source": b}
    if subs is not None:
        extra["subscriptions_based"] = subs.total
    attained, against, status = against_target(ctx, n, "new_customers")
    extra.update(attained)
    text = f"{num(n)} customers whose {first} is in {ctx.range_label}{against}"
    return Value(float(n), by_period, extra=extra, explanation=text, status=status)


def _cac(ctx: Context) -> Step[Value]:
    return _cac_step(ctx).then(lambda cacs: _cac_value(ctx, cacs))


def _cac_value(ctx: Context, cacs: list[Cac]) -> Value:
    c = cacs[-1]
    by_period = {p.label: cacs[i].value for i, p in enumerate(ctx.periods)}
    per_month = ctx.settings.sales_costs_per_month
    source = {"marketing": "marketing cost", "none": "no marketing cost",
              "settings": "marketing_costs_per_month × months"}[c.source]
    return Value(c.value, by_period,
                 extra={"sales_costs_per_month": per_month, "marketing_cost": c.marketing},
                 explanation=f"({money(c.marketing, ctx.currency)} {source} + "
                 f"{money(c.sales, ctx.currency)} sales costs) / {num(c.new)} new customers "
                 f"= {money(c.value, ctx.currency)}")


def _purchase_frequency(ctx: Context) -> Step[Value]:
    return frequency_step(ctx).then(lambda f: _frequency_value(ctx, f))


def _frequency_value(ctx: Context, f: Frequency) -> Value:
    n = len(ctx.periods)
    value = f.value(n)
    by_period = {p.label: f.value(i) for i, p in enumerate(ctx.periods)}
    return Value(value, by_period, explanation=f"{num(f.orders[n])} orders / "
                 f"{num(f.customers[n])} customers = "
                 f"{num(value, 2) if value is not None else 'n/a'}")


# -- lifespan and lifetime value -----------------------------------------------------------
def _lifespan_subs(churn: Churn) -> tuple[float | None, float | None]:
    """(years = 1 / monthly churn / 12, monthly churn %); n/a when nobody was lost."""
    if churn.pct is None or churn.lost == 0:
        return None, churn.pct
    return 1 / (churn.pct / 100) / 12, churn.pct


def _years(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} years"


def _customer_lifespan(ctx: Context) -> Step[Value]:
    b = basis(ctx)
    steps: dict[str, Step[Any]] = {}
    if ctx.has("subscriptions"):
        steps["churn"] = monthly_churn_step(ctx)
    if b == "orders":
        steps["life"] = lifespan_step(ctx)
    return join(**steps).then(lambda r: _lifespan_value(ctx, b, r))


def _lifespan_value(ctx: Context, b: Basis, r: dict[str, Any]) -> Value:
    extra: dict = {"source": b}
    sub_years, churn = _lifespan_subs(r["churn"]) if "churn" in r else (None, None)
    if b == "orders":
        value, n = r["life"]
        text = (f"mean (last − first purchase) of {num(n)} customers with ≥ 2 purchase days up "
                f"to {ctx.end.isoformat()} = {_years(value)}")
    else:
        value = sub_years
        text = f"1 / {pct(churn)} monthly churn / 12 = {_years(value)}"
    if both(ctx):
        extra["subscriptions_based"] = sub_years
    elif b == "subscriptions":
        extra["monthly_churn_pct"] = churn
    return Value(value, {}, extra=extra, explanation=text)


@dataclass(frozen=True)
class Clv:
    value: float | None
    apv: float | None
    frequency: float | None
    lifespan: float | None
    revenue: float
    customers: int


def _clv_step(ctx: Context) -> Step[Clv]:
    def finish(r: dict[str, Any]) -> Clv:
        f: Frequency = r["freq"]
        n = len(ctx.periods)
        apv = div(r["sums"].revenue, r["sums"].orders)
        frequency, lifespan = f.value(n), r["life"][0]
        value = (None if apv is None or frequency is None or lifespan is None
                 else apv * frequency / ctx.range_years * lifespan)
        return Clv(value, apv, frequency, lifespan, r["sums"].revenue, f.customers[n])
    return join(sums=sums_step(ctx), freq=frequency_step(ctx), life=lifespan_step(ctx)).then(
        finish)


def _clv(ctx: Context) -> Step[Value]:
    steps: dict[str, Step[Any]] = {"clv": _clv_step(ctx)}
    if _costs_available(ctx):
        steps["cac"] = _cac_step(ctx)
    if (ctx.has("orders", "cost") or ctx.has("orders", "profit")) and ctx.has("subscriptions"):
        steps.update(margin=margin_step(ctx), churn=monthly_churn_step(ctx), mrr=mrr_step(ctx))
    return join(**steps).then(lambda r: _clv_value(ctx, r))


def _clv_value(ctx: Context, r: dict[str, Any]) -> Value:
    c: Clv = r["clv"]
    cur = ctx.currency
    extra: dict = {"method": "apv_x_frequency_x_lifespan"}
    if "cac" in r:
        per_customer = div(c.revenue, c.customers)
        cac = r["cac"][-1].value
        extra["clv_revenue_minus_cac"] = (
            None if per_customer is None or c.lifespan is None or cac is None
            else per_customer / ctx.range_years * c.lifespan - cac)
    if "margin" in r:
        margin, churn = r["margin"], r["churn"].pct
        arpa = div(*r["mrr"][ctx.end])
        extra["clv_margin_churn_arpa"] = (
            None if margin is None or not churn or arpa is None
            else margin / 100 * (1 / (churn / 100)) * arpa)
    freq = "n/a" if c.frequency is None else num(c.frequency, 2)
    return Value(c.value, {}, extra=extra,
                 explanation=f"{money(c.apv, cur)} per purchase × {freq} purchases per customer "
                 f"/ {ctx.range_years:.2f} years × {_years(c.lifespan)} = {money(c.value, cur)}")


def _ltv_cac(ctx: Context) -> Step[Value]:
    return join(clv=_clv_step(ctx), cac=_cac_step(ctx)).then(
        lambda r: _ltv_cac_value(ctx, r["clv"].value, r["cac"][-1].value))


def _ltv_cac_value(ctx: Context, clv: float | None, cac: float | None) -> Value:
    value = div(clv, cac)
    return Value(value, {}, explanation=f"{money(clv, ctx.currency)} CLV / "
                 f"{money(cac, ctx.currency)} CAC = {ratio(value)}")


# -- retention and churn ---------------------------------------------------------------------
def _rep_table(ctx: Context, b: Basis) -> bool:
    return ctx.has("orders" if b == "orders" else "subscriptions", "rep")


def _rate_kpi(kind: Literal["retention", "churn"]) -> Callable[[Context], Step[Value]]:
    def compute(ctx: Context) -> Step[Value]:
        b, h = basis(ctx), head(ctx)
        steps: dict[str, Step[Any]] = {"flow": flow_step(ctx, b)}
        if both(ctx) and h is not None:
            steps["subs"] = flow_step(ctx, "subscriptions")
        if kind == "churn" and _rep_table(ctx, b):
            steps["rep"] = churn_by_rep_step(ctx, b, h)
        return join(**steps).then(lambda r: _rate_value(ctx, kind, h, r))
    return compute


def _rate_value(ctx: Context, kind: str, h: int | None, r: dict[str, Any]) -> Value:
    counts: list[Counts] = r["flow"]
    by_period = {p.label: counts[i].rate(kind) for i, p in enumerate(ctx.periods)}
    extra: dict = {"period": ctx.periods[h].label if h is not None else None}
    by: dict = {}
    if h is None:
        value, text = None, f"no whole {ctx.grain} ends by {ctx.end.isoformat()}: n/a"
        if both(ctx):
            extra["subscriptions_based"] = None
    else:
        f = counts[h]
        value = f.rate(kind)
        top = f.retained if kind == "retention" else f.lost
        what = "at end not new" if kind == "retention" else "lost"
        text = (f"{num(top)} customers {what} in {ctx.periods[h].label} / {num(f.start)} at "
                f"its start × 100 = {pct(value)}")
        if "subs" in r:
            extra["subscriptions_based"] = r["subs"][h].rate(kind)
    if "rep" in r:
        by["rep"] = r["rep"][0]
    return Value(value, by_period, by, extra, text)


def _churn_rep(ctx: Context) -> Step[Value]:
    b, h = basis(ctx), head(ctx)
    steps: dict[str, Step[Any]] = {"flow": flow_step(ctx, b)}
    if _rep_table(ctx, b):
        steps["rep"] = churn_by_rep_step(ctx, b, h)
    return join(**steps).then(lambda r: _churn_rep_value(ctx, h, r))


def _churn_rep_value(ctx: Context, h: int | None, r: dict[str, Any]) -> Value:
    extra: dict = {"period": ctx.periods[h].label if h is not None else None}
    value = r["flow"][h].rate("churn") if h is not None else None
    if "rep" not in r:  # orders.customer_id without orders.rep: no per-rep split
        extra["lost_account_lifetime_days_by_rep"] = {}
        return Value(value, {}, extra=extra, explanation=f"churn {pct(value)}; per rep needs "
                     "orders.rep (customers come from orders.customer_id)")
    by_rep, life = r["rep"]
    extra["lost_account_lifetime_days_by_rep"] = {k: life.get(k) for k in by_rep}
    parts = ", ".join(f"{k} {pct(v)}" for k, v in by_rep.items())
    text = (f"churn in {ctx.periods[h].label} by rep: {parts}; all reps {pct(value)}"
            if h is not None else f"no whole {ctx.grain} ends by {ctx.end.isoformat()}: n/a")
    return Value(value, {}, {"rep": by_rep}, extra, text)


def _existing_conversion(ctx: Context) -> Step[Value]:
    return _existing_step(ctx).then(lambda r: _existing_value(ctx, *r))


def _existing_value(ctx: Context, f: Firsts, converted: list[int]) -> Value:
    """Customers who first bought before the (period's) start and bought in it."""
    n = len(ctx.periods)
    value = pct_of(converted[n], f.before)
    by_period = {p.label: pct_of(converted[i], f.existing(i)) for i, p in enumerate(ctx.periods)}
    return Value(value, by_period, explanation=f"{num(converted[n])} of {num(f.before)} "
                 f"customers who first bought before {ctx.start.isoformat()} bought again in "
                 f"the range × 100 = {pct(value)}")


# -- subscription stocks ---------------------------------------------------------------------
def _stock(fn: Callable[[Context, dict[dt.date, tuple[float, int]]], Value],
           ) -> Callable[[Context], Step[Value]]:
    return lambda ctx: mrr_step(ctx).then(lambda at: fn(ctx, at))


def _mrr(ctx: Context, at: dict[dt.date, tuple[float, int]]) -> Value:
    value, n = at[ctx.end]
    by_period = {p.label: at[p.clip_end][0] for p in ctx.periods}
    return Value(value, by_period, explanation=f"Σ mrr of the subscriptions of {num(n)} "
                 f"customers active on {ctx.end.isoformat()} = {money(value, ctx.currency)}")


def _arr(ctx: Context, at: dict[dt.date, tuple[float, int]]) -> Value:
    mrr = at[ctx.end][0]
    by_period = {p.label: at[p.clip_end][0] * 12 for p in ctx.periods}
    return Value(mrr * 12, by_period, explanation=f"{money(mrr, ctx.currency)} MRR × 12 = "
                 f"{money(mrr * 12, ctx.currency)}")


def _arpa(ctx: Context, at: dict[dt.date, tuple[float, int]]) -> Value:
    mrr, n = at[ctx.end]
    value = div(mrr, n)
    by_period = {p.label: div(*at[p.clip_end]) for p in ctx.periods}
    return Value(value, by_period, explanation=f"{money(mrr, ctx.currency)} MRR / {num(n)} "
                 f"active accounts on {ctx.end.isoformat()} = {money(value, ctx.currency)}")


LTV_CAC_BAND = Band(good=(1, 5, False, False), watch=((5, INF, True, False),))

register(
    KPI("mrr", "Monthly recurring revenue", "A", "money", "higher", "stock",
        "Paying customers in month × Average revenue per customer in month "
        "(= Σ mrr of active subscriptions)", SUBS, _stock(_mrr), source="S0#11"),
    KPI("arr", "Annual recurring revenue", "A", "money", "higher", "stock", "MRR × 12", SUBS,
        _stock(_arr), source="S0#11"),
    KPI("arpa", "Average revenue per account", "A", "money", "higher", "stock",
        "MRR / Number of active accounts", SUBS, _stock(_arpa), source="S0#12"),
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
