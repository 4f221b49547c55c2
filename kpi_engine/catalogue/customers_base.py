"""The lazy plans of group H (customers.py): each a `Step` whose frames hold only numbers per
period (or per rep), computed inside the plan.

The order lines are first reduced to the days each customer bought on (`customer_days`,
grouped on the raw customer id, the case-insensitive e-mail key made on that), and everything
per customer starts from there:
- `firsts_of` (first purchase, last one by the range end) -> `firsts_step`: customers by the
  period of their first purchase, and those before the range: new and existing customers;
  `lifespan_step`.
- `active_lf`: the distinct (customer, whole period k) pairs, k = i + 1 being ctx.periods[i]
  and k = 0 the whole period before it, with `_kept` (active in k + 1, a self-join on k - 1)
  and `_new` -> `flow_step` (retention, churn) and `churn_by_rep_step` (the pairs of the
  headline period, each customer's rep and lost accounts' lifetime).
- `range_customers`: distinct (customer, period of the range) -> customers per period and
  existing-customer conversion.
Order counts come from the range's lines (`range_lines`, `_pid` = their period).
Subscriptions (integer customer keys) are exploded over the indices of the days at whose close
each row is active (`subscribed_lf`): MRR and accounts, flows, monthly churn. Marketing cost:
a cross join of the rows with the periods, pro rata by days.

Sub-plans that several frames start from are one cached LazyFrame per context (`measures.shared`):
Polars' own sharing of common sub-plans misses them once each frame's filters are pushed down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from kpi_engine.context import Context
from kpi_engine.fmt import div, pct_of
from kpi_engine.measures import (
    breakdown_dict,
    breakdown_lf,
    names_lf,
    pid,
    range_lines,
    shared,
)
from kpi_engine.plan import Step, done, frame, join
from kpi_engine.query import add_months, month_end, month_start, period_of

Basis = Literal["orders", "subscriptions"]
DAY = dt.timedelta(days=1)


def basis(ctx: Context) -> Basis:
    return "orders" if ctx.has("orders", "customer_id") else "subscriptions"


def both(ctx: Context) -> bool:
    return ctx.has("orders") and ctx.has("subscriptions")


def head(ctx: Context) -> int | None:
    """The last period of the range whose end is on or before the range end."""
    whole = [i for i, p in enumerate(ctx.periods) if p.end <= ctx.end]
    return whole[-1] if whole else None


def _days(days: list[dt.date]) -> pl.Expr:
    return pl.lit(pl.Series(days, dtype=pl.Date))


def _per_pid(frame: pl.DataFrame, col: str, n: int, empty: object = 0) -> list:
    """frame[col] by `_pid` (0 .. n - 1), `empty` for a missing one."""
    out = [empty] * n
    for i, v in zip(frame["_pid"], frame[col], strict=True):
        if 0 <= i < n:
            out[i] = empty if v is None else v
    return out


# -- lines and rows ---------------------------------------------------------------------------
def _ckey() -> pl.Expr:
    """The customer, e-mails compared case-insensitively (as measures.orders_lf)."""
    c = pl.col("customer_id")
    return pl.when(c.str.contains("@")).then(c.str.to_lowercase()).otherwise(c)


def orders_of(ctx: Context) -> pl.LazyFrame:
    """The range's orders with an id: their first and last period (`p0`, `p1`) and whether a
    line has a customer (`cust`) or a revenue (`rev`). (A line without an order id is an order
    of its own, as measures.orders_lf's `okey`.)"""
    return shared(ctx, "customers:orders", lambda: (
        range_lines(ctx).filter(pl.col("order_id").is_not_null()).group_by("order_id").agg(
            p0=pl.col("_pid").min(), p1=pl.col("_pid").max(),
            cust=pl.col("customer_id").is_not_null().any(),
            rev=pl.col("revenue").is_not_null().any())))


def customer_days(ctx: Context) -> pl.LazyFrame:
    """(ckey, d): the days each customer has a valid order line on. Grouped on the raw id
    first, so the e-mail keys are made once per (id, day), not once per line; a customer whose
    e-mail comes in several cases may repeat a day."""
    lf = ctx.lf("orders")
    assert lf is not None
    c, day = pl.col("customer_id"), pl.col("order_date")
    return shared(ctx, "customers:days", lambda: (
        lf.filter(c.is_not_null() & day.is_not_null())
        .select("customer_id", d=day.dt.date()).unique()
        .select(ckey=_ckey(), d="d")))


def range_customers(ctx: Context) -> pl.LazyFrame:
    """Distinct (ckey, `_pid`) of the customers buying in each period of the range, with their
    `first` purchase day."""
    d = pl.col("d")
    return shared(ctx, "customers:range_customers", lambda: (
        customer_days(ctx).filter((d >= ctx.start) & (d <= ctx.end))
        .select("ckey", pid(ctx, "d")).unique()
        .join(firsts_of(ctx, "orders"), on="ckey", how="left")))


def subs_lf(ctx: Context) -> pl.LazyFrame:
    """Subscription rows with `s` / `e` (first / last subscribed day) and `ckey`: the customer
    as an integer (one per e-mail-insensitive id), so the rows exploded over days stay narrow."""
    lf = ctx.lf("subscriptions")
    assert lf is not None
    return shared(ctx, "customers:subs", lambda: lf.with_columns(
        s=pl.col("start_date").dt.date(), e=pl.col("end_date").dt.date(),
        ckey=_ckey().rank("dense")))


def subscribed_lf(ctx: Context, days: list[dt.date]) -> pl.LazyFrame:
    """Subscription rows once per index `_k` of the (ascending) days at whose close they are
    active: s <= day and (no end or e >= day)."""
    lo = _days(days).search_sorted(pl.col("s"), side="left")
    hi = (pl.when(pl.col("e").is_null()).then(pl.lit(len(days), dtype=pl.UInt32))
          .otherwise(_days(days).search_sorted(pl.col("e"), side="right")))
    return (subs_lf(ctx).filter(pl.col("s").is_not_null())
            .with_columns(_k=pl.int_ranges(lo, hi, dtype=pl.Int64))
            .explode("_k").filter(pl.col("_k").is_not_null()))


def firsts_of(ctx: Context, b: Basis) -> pl.LazyFrame:
    """ckey -> `first`: first valid purchase ever, or earliest subscription start (orders:
    `_last`, the last purchase up to the range end, too)."""
    d = pl.col("d")
    if b == "orders":
        return shared(ctx, "customers:firsts", lambda: (
            customer_days(ctx).group_by("ckey").agg(first=d.min(),
                                                    _last=d.filter(d <= ctx.end).max())))
    return (subs_lf(ctx).filter(pl.col("ckey").is_not_null())
            .group_by("ckey").agg(first=pl.col("s").min()))


# -- first purchases: new and existing customers ----------------------------------------------
@dataclass(frozen=True)
class Firsts:
    """Customers whose first purchase is before the range (`before`) and in each period."""

    before: int
    per: list[int]

    @property
    def total(self) -> int:
        return sum(self.per)

    def existing(self, i: int) -> int:
        """First purchase before period i's clipped start."""
        return self.before + sum(self.per[:i])


def firsts_step(ctx: Context, b: Basis) -> Step[Firsts]:
    """First purchases counted by the period (clipped) they fall in: `_pid` -1 before the
    range."""
    bounds = [p.clip_start for p in ctx.periods] + [ctx.end + DAY]
    first = pl.col("first")
    bucket = _days(bounds).search_sorted(first, side="right").cast(pl.Int64) - 1
    lf = firsts_of(ctx, b).filter(first.is_not_null()).group_by(_pid=bucket).agg(n=pl.len())
    n = len(ctx.periods)

    def finish(got: pl.DataFrame) -> Firsts:
        at = dict(zip(got["_pid"], got["n"], strict=True))
        return Firsts(at.get(-1, 0), [at.get(i, 0) for i in range(n)])
    return frame(f"customers:firsts:{b}", lf).then(finish)


# -- the customer flow of whole periods ---------------------------------------------------------
@dataclass(frozen=True)
class Counts:
    """Customers at the start of a whole period, lost in it, at its end and not new."""

    start: int
    lost: int
    retained: int

    def rate(self, kind: str) -> float | None:
        return pct_of(self.retained if kind == "retention" else self.lost, self.start)


def _flow_days(ctx: Context, b: Basis) -> tuple[list[dt.date], list[dt.date]]:
    """(bounds, starts): index k = i + 1 is ctx.periods[i], k = 0 the whole period before it.
    Orders: bounds are the periods' starts then the day after the last (k: [bounds[k],
    bounds[k + 1])); subscriptions: the day each period closes (k: at the close of bounds[k]).
    starts[k]: the first day of k (first purchase on or after it: new in k)."""
    ps = ctx.periods
    prev = period_of(ps[0].start - DAY, ctx.grain, ctx.settings.fiscal_year_start)[1]
    starts = [prev, *(p.start for p in ps)]
    if b == "orders":
        return [*starts, ps[-1].end + DAY], starts
    return [ps[0].start - DAY, *(p.end for p in ps)], starts


def _pairs(ctx: Context, b: Basis, bounds: list[dt.date]) -> pl.LazyFrame:
    """Distinct (ckey, `_k`) of the customers active in k (orders: with `last`, their last
    purchase day in k)."""
    if b == "orders":
        d = pl.col("d")
        k = _days(bounds).search_sorted(d, side="right").cast(pl.Int64) - 1
        return (customer_days(ctx).filter((d >= bounds[0]) & (d < bounds[-1]))
                .group_by("ckey", _k=k).agg(last=d.max()))
    return (subscribed_lf(ctx, bounds).filter(pl.col("ckey").is_not_null())
            .select("ckey", "_k").unique())


def _with_kept(pairs: pl.LazyFrame) -> pl.LazyFrame:
    """`_kept`: the customer is also active in k + 1 (null when not)."""
    nxt = pairs.select("ckey", _k=pl.col("_k") - 1, _kept=pl.lit(True))
    return pairs.join(nxt, on=["ckey", "_k"], how="left")


def active_lf(ctx: Context, b: Basis) -> pl.LazyFrame:
    """(ckey, `_k`) active, with `_kept`, `first` and `_new` (first purchase in k)."""
    bounds, starts = _flow_days(ctx, b)

    def make() -> pl.LazyFrame:
        act = _with_kept(_pairs(ctx, b, bounds)).join(firsts_of(ctx, b), on="ckey", how="left")
        return act.with_columns(_new=pl.col("first") >= _days(starts).gather(pl.col("_k")))
    return shared(ctx, f"customers:active:{b}", make)


def flow_step(ctx: Context, b: Basis) -> Step[list[Counts]]:
    """The Counts of each period of the range."""
    lf = active_lf(ctx, b).group_by("_k").agg(
        n=pl.len(), lost=pl.col("_kept").is_null().sum(), new=pl.col("_new").sum())
    m = len(ctx.periods)

    def finish(got: pl.DataFrame) -> list[Counts]:
        at = {k: (n, lost, new) for k, n, lost, new in got.select("_k", "n", "lost", "new")
              .iter_rows()}
        out = []
        for j in range(m):
            start, lost, _ = at.get(j, (0, 0, 0))
            end, _, new = at.get(j + 1, (0, 0, 0))
            out.append(Counts(start, lost, end - new))
        return out
    return frame(f"customers:flow:{b}", lf).then(finish)


@dataclass(frozen=True)
class Churn:
    """Subscriptions' monthly churn %: Σ lost / Σ at start over the whole calendar months
    intersecting the range that end by the range end."""

    pct: float | None
    lost: int
    at_start: int


def monthly_churn_step(ctx: Context) -> Step[Churn]:
    """The subscribed customers at the close of the day before each whole month and of each
    month's end: at the start of month k and lost in it (not subscribed at its end)."""
    months, m = [], month_start(ctx.start)
    while month_end(m) <= ctx.end:
        months.append(m)
        m = add_months(m, 1)
    if not months:
        return done(Churn(None, 0, 0))
    days = [months[0] - DAY, *(month_end(x) for x in months)]
    lf = (_with_kept(_pairs(ctx, "subscriptions", days))
          .filter(pl.col("_k") < len(months))
          .select(n=pl.len(), lost=pl.col("_kept").is_null().sum()))

    def finish(got: pl.DataFrame) -> Churn:
        lost, at_start = int(got["lost"][0] or 0), int(got["n"][0] or 0)
        return Churn(pct_of(lost, at_start), lost, at_start)
    return frame("customers:monthly_churn", lf).then(finish)


# -- churn by rep -------------------------------------------------------------------------------
def _rep_map(reps: pl.LazyFrame, names: pl.LazyFrame) -> pl.LazyFrame:
    """ckey -> `rep` on most of the customer's rows (ties: first in code-point order), as its
    most frequent spelling; `reps`: rows per (ckey, rep) in `len`."""
    k = pl.col("_k")
    return (reps.group_by("ckey", _k=pl.col("rep").str.to_lowercase()).agg(pl.col("len").sum())
            .group_by("ckey").agg(k.sort_by(["len", "_k"], descending=[True, False]).first())
            .join(names, on="_k", how="left").select("ckey", rep="_name"))


def _names(reps: pl.LazyFrame) -> pl.LazyFrame:
    """measures.names_lf of the lines counted in `reps` (rows per rep in `len`)."""
    return (reps.group_by(_name=pl.col("rep")).agg(pl.col("len").sum())
            .with_columns(_k=pl.col("_name").str.to_lowercase())
            .sort(["_k", "len", "_name"], descending=[False, True, False])
            .unique("_k", keep="first", maintain_order=True)
            .select("_k", "_name"))


def churn_by_rep_step(ctx: Context, b: Basis, h: int | None,
                      ) -> Step[tuple[dict, dict]]:
    """(churn % per rep, mean lifetime days of the lost accounts per rep) in period h: the
    customers at its start with the rep of most of their rows; a lost one's lifetime runs from
    its first purchase (subscription start) to its last one before the period (last subscribed
    day by the period's end)."""
    if h is None:
        return done(({}, {}))
    p = ctx.periods[h]
    at_start = active_lf(ctx, b).filter(pl.col("_k") == h).with_columns(
        lost=pl.col("_kept").is_null())
    keys = at_start.select("ckey")
    if b == "orders":  # a lost customer's last purchase before the period is in k = h
        lf = ctx.lf("orders")
        assert lf is not None
        lines = shared(ctx, "customers:rep_lines", lambda: (
            lf.filter(pl.col("rep").is_not_null()).group_by("customer_id", "rep").len()))
        reps = lines.filter(pl.col("customer_id").is_not_null()).with_columns(ckey=_ckey())
        names = _names(lines)
    else:
        rows = subs_lf(ctx).filter(pl.col("ckey").is_not_null() & pl.col("rep").is_not_null())
        reps = rows.group_by("ckey", "rep").len()
        names = names_lf(subs_lf(ctx), "rep")
        last = (subs_lf(ctx).filter(pl.col("e") <= p.end)
                .join(at_start.filter(pl.col("lost")).select("ckey"), on="ckey", how="semi")
                .group_by("ckey").agg(last=pl.col("e").max()))
        at_start = at_start.join(last, on="ckey", how="left")
    rep = _rep_map(reps.join(keys, on="ckey", how="semi"), names)
    accounts = at_start.join(rep, on="ckey", how="left").with_columns(
        days=(pl.col("last") - pl.col("first")).dt.total_days())
    lost = pl.col("lost")
    lf = breakdown_lf(accounts, "rep", churn=lost.sum() / pl.len() * 100,
                      life=pl.col("days").filter(lost).mean())

    def finish(got: pl.DataFrame) -> tuple[dict, dict]:
        return breakdown_dict(got, "churn"), breakdown_dict(got, "life")
    return frame(f"customers:churn_by_rep:{b}", lf).then(finish)


# -- subscription stocks ------------------------------------------------------------------------
def mrr_step(ctx: Context) -> Step[dict[dt.date, tuple[float, int]]]:
    """Per day (the range end and each period's clipped end): Σ mrr of the subscriptions active
    at its close and the distinct customers among them."""
    days = sorted({ctx.end, *(p.clip_end for p in ctx.periods)})
    lf = subscribed_lf(ctx, days).group_by("_k").agg(
        mrr=pl.col("mrr").sum(), n=pl.col("ckey").drop_nulls().n_unique())

    def finish(got: pl.DataFrame) -> dict[dt.date, tuple[float, int]]:
        at = {k: (float(m or 0.0), n) for k, m, n in got.select("_k", "mrr", "n").iter_rows()}
        return {d: at.get(i, (0.0, 0)) for i, d in enumerate(days)}
    return frame("customers:mrr", lf).then(finish)


# -- order lines of the range -------------------------------------------------------------------
@dataclass(frozen=True)
class Frequency:
    """Distinct orders and customers among the range's lines having a customer: the range's
    (index n) and each period's."""

    orders: list[int]
    customers: list[int]

    def value(self, i: int) -> float | None:
        return div(self.orders[i], self.customers[i])


def _total_and_per_pid(ctx: Context, lf: pl.LazyFrame, **aggs: pl.Expr) -> pl.LazyFrame:
    """aggs per `_pid`, then over all the rows as `_pid` = len(ctx.periods)."""
    names = list(aggs)
    total = lf.select(**aggs).select(pl.lit(len(ctx.periods), dtype=pl.UInt32).alias("_pid"),
                                     *names)
    return pl.concat([lf.group_by("_pid").agg(**aggs).select("_pid", *names), total])


def _customer_orders(ctx: Context) -> pl.LazyFrame:
    """Distinct orders having a line with a customer, per period (`n` by `_pid`) and over the
    range (`_pid` = len(ctx.periods)): one group_by on the order id; only the orders spanning
    periods are counted per period from their lines."""
    orders, p0, p1 = orders_of(ctx), pl.col("p0"), pl.col("p1")
    lines = range_lines(ctx).filter(pl.col("customer_id").is_not_null())
    single = orders.filter(pl.col("cust") & (p0 == p1)).select(_pid=p0)
    spanning = (lines.filter(pl.col("order_id").is_not_null())
                .join(orders.filter(p0 != p1).select("order_id"), on="order_id", how="semi")
                .select("order_id", "_pid").unique().select("_pid"))
    own = lines.filter(pl.col("order_id").is_null()).select("_pid")
    n = pl.len().cast(pl.Int64)
    per = pl.concat([single, spanning, own]).group_by("_pid").agg(n=n)
    total = (pl.concat([orders.filter(pl.col("cust")).select(n=n), own.select(n=n)])
             .select(pl.lit(len(ctx.periods), dtype=pl.UInt32).alias("_pid"), pl.col("n").sum()))
    return pl.concat([per, total])


def frequency_step(ctx: Context) -> Step[Frequency]:
    orders = _customer_orders(ctx)
    customers = _total_and_per_pid(ctx, range_customers(ctx), n=pl.col("ckey").n_unique())
    n = len(ctx.periods) + 1
    return join(orders=frame("customers:frequency_orders", orders),
                customers=frame("customers:frequency_customers", customers)).then(
        lambda got: Frequency(_per_pid(got["orders"], "n", n),
                              _per_pid(got["customers"], "n", n)))


@dataclass(frozen=True)
class Sums:
    """Over the range's lines: Σ revenue and the distinct orders with a revenue."""

    revenue: float
    orders: int


def sums_step(ctx: Context) -> Step[Sums]:
    rev = pl.col("revenue")
    lf = pl.concat([range_lines(ctx).select(rev.sum()),
                    orders_of(ctx).select(orders=pl.col("rev").sum()),
                    range_lines(ctx).filter(pl.col("order_id").is_null() & rev.is_not_null())
                    .select(own=pl.len())], how="horizontal")
    return frame("customers:sums", lf).then(lambda got: Sums(
        float(got["revenue"][0] or 0.0), int(got["orders"][0] or 0) + int(got["own"][0])))


def margin_step(ctx: Context) -> Step[float | None]:
    """Revenue-weighted margin % of the range's lines having both a cost and a revenue."""
    cost = pl.coalesce(pl.col("cost"), pl.col("revenue") - pl.col("profit"))
    lf = (range_lines(ctx).select("revenue", _cost=cost)
          .filter(pl.col("_cost").is_not_null() & pl.col("revenue").is_not_null())
          .select(revenue=pl.col("revenue").sum(), cost=pl.col("_cost").sum()))

    def finish(got: pl.DataFrame) -> float | None:
        rev = float(got["revenue"][0] or 0.0)
        return pct_of(rev - float(got["cost"][0] or 0.0), rev)
    return frame("customers:margin", lf).then(finish)


def lifespan_step(ctx: Context) -> Step[tuple[float | None, int]]:
    """Mean (last − first order day) / 365.25 over customers with ≥ 2 order days up to the
    range end (all data before it), and how many such customers."""
    lf = (firsts_of(ctx, "orders").select(days=(pl.col("_last") - pl.col("first")).dt.total_days())
          .filter(pl.col("days") > 0)  # two or more distinct days
          .select(mean=pl.col("days").mean(), n=pl.len()))

    def finish(got: pl.DataFrame) -> tuple[float | None, int]:
        n = int(got["n"][0])
        return (None, 0) if n == 0 else (float(got["mean"][0]) / 365.25, n)
    return frame("customers:lifespan", lf).then(finish)


def existing_step(ctx: Context) -> Step[tuple[Firsts, list[int]]]:
    """(first purchases, customers of each period (then of the range) who first bought before
    its clipped start and bought in it)."""
    starts = [p.clip_start for p in ctx.periods]
    pairs = range_customers(ctx)
    old = pl.col("first") < _days(starts).gather(pl.col("_pid"))
    per = pairs.filter(old).group_by("_pid").agg(n=pl.len())
    total = (pairs.filter(pl.col("first") < ctx.start)
             .select(pl.lit(len(starts), dtype=pl.UInt32).alias("_pid"),
                     n=pl.col("ckey").n_unique()))
    n = len(starts) + 1
    converted = frame("customers:existing", pl.concat([per, total])).then(
        lambda got: _per_pid(got, "n", n))
    return join(firsts=firsts_step(ctx, "orders"), converted=converted).then(
        lambda r: (r["firsts"], r["converted"]))


# -- costs --------------------------------------------------------------------------------------
def marketing_share(start: pl.Expr, end: pl.Expr, month_rows: bool) -> pl.Expr:
    """The share of a marketing row's cost in [start, end]: a month row pro rata by days."""
    d = pl.col("date").dt.date()
    lo = pl.max_horizontal(d, start)
    hi = pl.min_horizontal(d.dt.month_end(), end)
    days = ((hi - lo).dt.total_days() + 1).clip(lower_bound=0)
    month_row = pl.col("_month_row") if month_rows else pl.lit(False)
    return (pl.when(month_row).then(days / d.dt.days_in_month())
            .when((d >= start) & (d <= end)).then(1.0).otherwise(0.0))


def marketing_step(ctx: Context) -> Step[list[float]]:
    """The marketing table's cost of each period (clipped), then of the range."""
    lf = ctx.lf("marketing")
    assert lf is not None
    spans = pl.LazyFrame(
        {"_pid": range(len(ctx.periods) + 1),
         "_lo": [*(p.clip_start for p in ctx.periods), ctx.start],
         "_hi": [*(p.clip_end for p in ctx.periods), ctx.end]},
        schema={"_pid": pl.UInt32, "_lo": pl.Date, "_hi": pl.Date})
    month_rows = "_month_row" in lf.collect_schema().names()
    share = marketing_share(pl.col("_lo"), pl.col("_hi"), month_rows)
    costs = (lf.select("date", "cost", *(["_month_row"] if month_rows else []))
             .join(spans, how="cross")
             .group_by("_pid").agg(cost=(pl.col("cost").fill_null(0.0) * share).sum()))
    n = len(ctx.periods) + 1
    return frame("customers:marketing", costs).then(
        lambda got: [float(v) for v in _per_pid(got, "cost", n, 0.0)])
