"""The base of the what-if planner: the drivers' actual values over a base period, computed by
the engine (catalogue section 6, `plan`). Called once per upload and settings; everything after
it (projection, goal seek, scenarios) is arithmetic on the `Base` it returns.

- Base period: by default the last three complete months (a month is complete when its last day
  is on or before the data's last date, section 2), never before the data's first date.
- Counts and money flows are monthly averages (base-period total / its months, partial months
  pro rata); rates and ratios are the KPI over the whole base period; stocks are taken at its end.
- churn_rate = Σ customers lost / Σ customers at start over the base period's whole months that
  end by its end × 100: orders-based for the customer tree, subscriptions-based for recurring.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpi_engine.query import Settings, add_months, month_end, month_start, months_between
from kpi_engine.whatif_model import tree_drivers

if TYPE_CHECKING:
    import polars as pl

    from kpi_engine.catalogue.customers_base import Counts
    from kpi_engine.catalogue.spec import Result
    from kpi_engine.context import Context
    from kpi_engine.plan import Step

BASE_KPIS = (
    "leads_generated", "lead_conversion_rate", "average_deal_size", "win_rate",
    "sales_cycle_length", "purchase_frequency", "average_purchase_value", "new_customers", "cac",
    "mrr", "arpa", "revenue", "gross_margin", "pipeline_value", "clv", "target_attainment",
    "sales_per_rep",
)
HISTORY_KPIS = {"revenue": "revenue", "won_revenue": "won_revenue", "mrr": "mrr"}
HISTORY_OF = {"lead": "won_revenue", "pipeline": "won_revenue", "customer": "revenue",
              "recurring": "mrr", "profit": "revenue"}


@dataclass(frozen=True)
class Base:
    """What the planner starts from. `trees`: per tree present, its drivers' base values (in the
    order of catalogue section 6); `history`: per tree, the actual revenue (recurring: MRR) of
    each month up to the base period's end, for charts."""

    start: dt.date
    end: dt.date
    months: float  # calendar months of the base period, partial months pro rata
    first_month: dt.date  # the first horizon month: the month after the base period's end
    currency: str | None
    trees: dict[str, dict[str, float]]
    history: dict[str, dict[str, float | None]] = field(default_factory=dict)
    default_target: float | None = None  # company revenue target of first_month, else setting
    rep_attainment: dict[str, float | None] = field(default_factory=dict)  # % over the base
    reps: tuple[str, ...] = ()  # reps with a revenue target, else reps with sales in the base
    open_pipeline: float | None = None  # Σ amount of the deals open at the base end
    cac: float | None = None  # the engine's CAC over the base period
    clv: float | None = None  # the engine's CLV over the base period
    messages: tuple[str, ...] = ()


def base_period(data_start: dt.date, data_end: dt.date, start: dt.date | None = None,
                end: dt.date | None = None) -> tuple[dt.date, dt.date, list[str]]:
    """The base period: the one given, else the last three complete calendar months (section 2:
    complete = its last day is on or before the data's last date), none of them before the
    month of the data's first date. No complete month: the data's own span."""
    notes: list[str] = []
    if end is None:
        last = month_start(data_end)
        if month_end(last) > data_end:  # the data's last month is partial
            last = add_months(last, -1)
        end = month_end(last)
        if end < data_start or (start is not None and end < start):
            end = data_end
            if start is None:
                start = data_start
            notes.append(f"no complete month in the data: the base period is "
                         f"{start.isoformat()} – {data_end.isoformat()}")
    if start is None:
        start = add_months(month_start(end), -2)
        if start < month_start(data_start) <= end:
            start = month_start(data_start)
            notes.append(f"the base period starts on {start.isoformat()}: the data has less "
                         f"than three complete months")
    return start, end, notes


def base_drivers(tables: dict[str, pl.DataFrame], settings: Settings | None = None,
                 currency: str | None = None, base_start: dt.date | None = None,
                 base_end: dt.date | None = None) -> Base:
    """The drivers of every tree whose drivers all have base values, computed by the engine
    over the base period."""
    from kpi_engine.catalogue import load_all
    from kpi_engine.context import Context
    from kpi_engine.evaluate import run, run_with
    from kpi_engine.query import Query

    settings = settings or Settings()
    specs = load_all()
    whole = Context(tables, Query(settings=settings), currency)
    start, end, notes = base_period(whole.start, whole.end, base_start, base_end)
    if start > end:
        raise ValueError(f"the base period starts ({start}) after it ends ({end})")
    ctx = Context(tables, Query(start=start, end=end, grain="month", settings=settings), currency)
    k, extra = run_with(ctx, [specs[kid] for kid in BASE_KPIS], _extra_steps(ctx))
    months = months_between(start, end)
    missing: dict[str, list[str]] = {}
    values = _tree_values(ctx, k, extra, months, settings, missing, notes)
    trees: dict[str, dict[str, float]] = {}
    for tree, drivers in values.items():
        absent = [d for d, v in drivers.items() if v is None]
        if absent or missing.get(tree):
            why = missing.get(tree) or [f"{d} has no base value" for d in absent]
            notes.append(f"{tree} tree: not shown ({'; '.join(why)})")
            continue
        trees[tree] = {d: float(v) for d, v in drivers.items() if v is not None}

    month_label = month_start(end).strftime("%Y-%m")
    history_of = run(whole, [specs[kid] for kid in dict.fromkeys(HISTORY_KPIS.values())])
    series = {name: history_of[kid] for name, kid in HISTORY_KPIS.items()}
    history = {tree: {p: v for p, v in series[HISTORY_OF[tree]].by_period.items()
                      if p <= month_label}
               for tree in trees}
    first = add_months(month_start(end), 1)
    from kpi_engine.targets import company_target

    target = company_target(ctx, first, month_end(first))
    if target is None:
        target = settings.monthly_target
    rep_att = _rep_attainment(ctx, k["target_attainment"], start, end)
    reps = tuple(rep_att) or tuple(r for r in k["sales_per_rep"].by.get("rep", {})
                                   if r != "(none)")
    return Base(start, end, months, first, currency, trees, history, target, rep_att, reps,
                k["pipeline_value"].value if k["pipeline_value"].available else None,
                k["cac"].value, k["clv"].value, tuple(notes))


def _v(r: Result) -> float | None:
    return r.value if r.available else None


def _per_month(r: Result, months: float) -> float | None:
    v = _v(r)
    return None if v is None or not months else v / months


def _extra_steps(ctx: Context) -> dict[str, Step[Any]]:
    """The drivers that are not KPIs, planned to be collected with the base KPIs: open deals
    at the base end, active customers, monthly churn (orders, subscriptions), marketing cost."""
    from kpi_engine.catalogue import customers_base as cb
    from kpi_engine.catalogue.customers import _cac_step, _costs_available
    from kpi_engine.catalogue.pipeline_base import at_end

    steps: dict[str, Step[Any]] = {}
    if ctx.has("deals"):
        steps["open_deals"] = at_end(ctx).then(lambda r: float(r["n"]))
    if ctx.has("orders", "customer_id"):
        n = len(ctx.periods)
        steps["active_customers"] = cb.frequency_step(ctx).then(
            lambda f: float(f.customers[n]))
        steps["churn:orders"] = cb.flow_step(ctx, "orders").then(lambda c: _churn(ctx, c))
    if ctx.has("subscriptions"):
        steps["churn:subscriptions"] = cb.flow_step(ctx, "subscriptions").then(
            lambda c: _churn(ctx, c))
    if _costs_available(ctx):  # the range's costs as the CAC KPI counts them
        steps["costs"] = _cac_step(ctx).then(lambda cacs: cacs[-1])
    return steps


def _tree_values(ctx: Context, k: dict[str, Result], extra: dict[str, Any], months: float,
                 settings: Settings, missing: dict[str, list[str]], notes: list[str],
                 ) -> dict[str, dict[str, float | None]]:
    """Per tree its drivers' base values (None: no base value); `missing` gets the reason a
    tree cannot be built at all."""
    out: dict[str, dict[str, float | None]] = {}
    out["lead"] = {"leads": _per_month(k["leads_generated"], months),
                   "lead_conversion_rate": _v(k["lead_conversion_rate"]),
                   "average_deal_size": _v(k["average_deal_size"])}
    if not k["leads_generated"].available:
        missing["lead"] = ["needs leads"]
    cycle = _v(k["sales_cycle_length"])
    out["pipeline"] = {"open_deals": extra.get("open_deals"),
                       "win_rate": _v(k["win_rate"]),
                       "average_deal_size": _v(k["average_deal_size"]),
                       "sales_cycle_length": cycle if cycle else None,
                       "selling_days": float(settings.selling_days_per_month)}
    if not ctx.has("deals"):
        missing["pipeline"] = ["needs deals"]

    costs = _costs(ctx, extra, months, settings)
    customer: dict[str, float | None] = {
        "active_customers": extra.get("active_customers"),
        "purchase_frequency": _v(k["purchase_frequency"]),
        "average_purchase_value": _v(k["average_purchase_value"]),
        "churn_rate": extra.get("churn:orders"),
    }
    cac = _v(k["cac"])
    if costs is not None and cac:
        customer.update(sales_and_marketing_costs=costs, cac=cac)
    else:
        if costs is not None and ctx.has("orders", "customer_id"):
            notes.append("customer tree: CAC is n/a (no new customers or no costs in the base "
                         "period), so new customers per month drive it instead of costs / CAC")
        new = k["new_customers"]
        customer["new_customers"] = (None if not new.available or new.extra.get("source")
                                     != "orders" else _per_month(new, months))
    assert tuple(customer) == tree_drivers("customer", "cac" in customer)
    out["customer"] = customer
    if not ctx.has("orders", "customer_id"):
        missing["customer"] = ["needs orders with a customer column"]

    new = k["new_customers"]
    subs_new = (new.extra.get("subscriptions_based") if new.extra.get("source") == "orders"
                else new.value) if new.available else None
    out["recurring"] = {"mrr": _v(k["mrr"]),
                        "churn_rate": extra.get("churn:subscriptions"),
                        "new_customers": None if subs_new is None else subs_new / months,
                        "arpa": _v(k["arpa"])}
    if not k["mrr"].available:
        missing["recurring"] = ["needs subscriptions with an amount"]

    out["profit"] = {"revenue": _per_month(k["revenue"], months),
                     "gross_margin": _v(k["gross_margin"]),
                     "sales_and_marketing_costs": costs}
    if not k["gross_margin"].available:
        missing["profit"] = ["needs orders with a cost or profit column"]
    elif costs is None:
        missing["profit"] = ["needs sales and marketing costs: a marketing file, "
                             "--marketing-costs-per-month or --sales-costs-per-month"]
    return out


def _costs(ctx: Context, extra: dict[str, Any], months: float, settings: Settings,
           ) -> float | None:
    """Sales and marketing costs per month over the base period (catalogue: as CAC counts
    them: the marketing table's cost, else the marketing costs typed in, plus the sales
    costs typed in); None without any."""
    cac = extra.get("costs")
    return None if cac is None or not months else (cac.marketing + cac.sales) / months


def _churn(ctx: Context, counts: list[Counts]) -> float | None:
    """Σ lost / Σ at start × 100 over the whole months of the base period that end by its end."""
    whole = [c for p, c in zip(ctx.periods, counts, strict=True) if p.end <= ctx.end]
    at_start = sum(c.start for c in whole)
    return sum(c.lost for c in whole) / at_start * 100 if at_start else None


def _rep_attainment(ctx: Context, att: Result, start: dt.date, end: dt.date,
                    ) -> dict[str, float | None]:
    """Each rep's attainment % over the base period, when the targets name reps."""
    from kpi_engine.targets import rep_targets

    if not att.available or not ctx.has("targets", "rep") or not rep_targets(ctx, start, end):
        return {}
    return dict(att.by.get("rep", {}))
