"""The what-if driver trees of catalogue section 6: projection and goal seek, pure arithmetic.

No engine, no polars: every function here works on plain floats, so the planner page can call it
on every slider move. A tree's drivers are a mapping driver -> value (percentages 0-100); the
revenue of horizon month m (m = 1 … horizon) is

- lead:      leads × lead_conversion_rate / 100 × average_deal_size
- pipeline:  open_deals × win_rate / 100 × average_deal_size / sales_cycle_length × selling_days
- customer:  active_m × purchase_frequency / base months × average_purchase_value,
             active_m = active_(m−1) × (1 − churn_rate / 100) + inflow, active_0 = active_customers,
             inflow = sales_and_marketing_costs / cac (with costs), else new_customers
- recurring: mrr_m = mrr_(m−1) × (1 − churn_rate / 100) + new_customers × arpa, mrr_0 = mrr
- profit:    revenue (and profit = revenue × gross_margin / 100 − sales_and_marketing_costs)

Goal seek (`solve`) gives the value of one driver that alone makes the first horizon month's
revenue equal the target, the other drivers held; None with a reason when no sane value does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "percent", "money", "days", "ratio"]


@dataclass(frozen=True)
class Driver:
    id: str
    label: str
    unit: Unit
    per_month: bool = False  # a monthly average of the base period (counts and money flows)

    @property
    def upper(self) -> float | None:
        """The largest sane value (rates are percentages)."""
        return 100.0 if self.unit == "percent" else None


DRIVERS: dict[str, Driver] = {d.id: d for d in (
    Driver("leads", "Leads per month", "count", True),
    Driver("lead_conversion_rate", "Lead conversion rate", "percent"),
    Driver("average_deal_size", "Average deal size", "money"),
    Driver("open_deals", "Open deals", "count"),
    Driver("win_rate", "Win rate", "percent"),
    Driver("sales_cycle_length", "Sales cycle (days)", "days"),
    Driver("selling_days", "Selling days per month", "days"),
    Driver("active_customers", "Active customers", "count"),
    Driver("purchase_frequency", "Purchase frequency (base period)", "ratio"),
    Driver("average_purchase_value", "Average purchase value", "money"),
    Driver("churn_rate", "Churn rate (% per month)", "percent"),
    Driver("sales_and_marketing_costs", "Sales and marketing costs per month", "money", True),
    Driver("cac", "Customer acquisition cost", "money"),
    Driver("new_customers", "New customers per month", "count", True),
    Driver("mrr", "MRR", "money"),
    Driver("arpa", "ARPA", "money"),
    Driver("revenue", "Revenue per month", "money", True),
    Driver("gross_margin", "Gross margin", "percent"),
)}

# the drivers of each tree, in the order of catalogue section 6 (the customer tree takes
# sales_and_marketing_costs + cac with costs, else new_customers)
TREES: dict[str, tuple[str, ...]] = {
    "lead": ("leads", "lead_conversion_rate", "average_deal_size"),
    "pipeline": ("open_deals", "win_rate", "average_deal_size", "sales_cycle_length",
                 "selling_days"),
    "customer": ("active_customers", "purchase_frequency", "average_purchase_value",
                 "churn_rate", "sales_and_marketing_costs", "cac", "new_customers"),
    "recurring": ("mrr", "churn_rate", "new_customers", "arpa"),
    "profit": ("revenue", "gross_margin", "sales_and_marketing_costs"),
}
POSITIVE = frozenset({"sales_cycle_length", "cac"})  # divisors: must be above 0


def tree_drivers(tree: str, with_costs: bool = True) -> tuple[str, ...]:
    """The drivers of a tree (the customer tree: its cost or its new-customer variant)."""
    if tree == "customer":
        tail = ("sales_and_marketing_costs", "cac") if with_costs else ("new_customers",)
        return TREES["customer"][:4] + tail
    return TREES[tree]


def check_value(driver: str, value: float) -> str | None:
    """Why a value is not a valid setting of a driver, None when it is."""
    d = DRIVERS[driver]
    if value != value or value in (float("inf"), float("-inf")):
        return f"{driver} must be a finite number"
    if driver == "gross_margin":
        return None if value <= 100 else "gross_margin must be at most 100 (%)"
    if driver in POSITIVE and value <= 0:
        return f"{driver} must be above 0"
    if value < 0:
        return f"{driver} must not be negative"
    if d.upper is not None and value > d.upper:
        return f"{driver} is a percentage: at most 100"
    return None


# -- projection ----------------------------------------------------------------------------
def first_month(tree: str, d: Mapping[str, float], base_months: float | None = None) -> float:
    """The revenue (MRR) of the first horizon month."""
    return project(tree, d, 1, base_months)[0]


def project(tree: str, drivers: Mapping[str, float], horizon: int,
            base_months: float | None = None) -> list[float]:
    """The revenue (recurring: MRR) of each horizon month, month 1 first. `base_months`: the
    base period's months, needed by the customer tree (purchase_frequency is over the base)."""
    d = drivers
    if tree == "lead":
        v = d["leads"] * d["lead_conversion_rate"] / 100 * d["average_deal_size"]
        return [v] * horizon
    if tree == "pipeline":
        v = (d["open_deals"] * d["win_rate"] / 100 * d["average_deal_size"]
             / d["sales_cycle_length"] * d["selling_days"])
        return [v] * horizon
    if tree == "customer":
        if not base_months:
            raise ValueError("the customer tree needs base_months (the base period's months)")
        keep, inflow = 1 - d["churn_rate"] / 100, _inflow(d)
        per_customer = d["purchase_frequency"] / base_months * d["average_purchase_value"]
        active, out = d["active_customers"], []
        for _ in range(horizon):
            active = active * keep + inflow
            out.append(active * per_customer)
        return out
    if tree == "recurring":
        keep, inflow = 1 - d["churn_rate"] / 100, d["new_customers"] * d["arpa"]
        mrr, out = d["mrr"], []
        for _ in range(horizon):
            mrr = mrr * keep + inflow
            out.append(mrr)
        return out
    if tree == "profit":
        return [d["revenue"]] * horizon
    raise ValueError(f"unknown tree {tree!r}")


def profit(drivers: Mapping[str, float], horizon: int) -> list[float]:
    """The profit tree's profit of each horizon month."""
    d = drivers
    v = d["revenue"] * d["gross_margin"] / 100 - d["sales_and_marketing_costs"]
    return [v] * horizon


def _inflow(d: Mapping[str, float]) -> float:
    """New customers per month of the customer tree."""
    if "cac" in d:
        return d["sales_and_marketing_costs"] / d["cac"]
    return d["new_customers"]


# -- goal seek -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """A goal-seek answer: the value, or None and why."""

    value: float | None
    reason: str | None = None


def solve(tree: str, drivers: Mapping[str, float], target: float,
          base_months: float | None = None, only: str | None = None) -> dict[str, Answer]:
    """For each driver of the tree (only `only` when given), the value that alone makes the
    first month's revenue equal `target`, the others at their values in `drivers`. The profit
    tree solves revenue only."""
    names = ("revenue",) if tree == "profit" else tuple(drivers)
    if only is not None:
        names = tuple(n for n in names if n == only)
    return {n: _checked(n, _solve_one(tree, n, drivers, target, base_months)) for n in names}


def _checked(driver: str, a: Answer) -> Answer:
    if a.value is None:
        return a
    v, unit = a.value, DRIVERS[driver].unit
    if v < 0:
        if unit == "percent":
            return Answer(None, f"it would take a rate of {v:,.1f} %, below 0 %")
        what = "count" if unit == "count" else "value"
        return Answer(None, f"it would take a negative {what} ({v:,.2f})")
    upper = DRIVERS[driver].upper
    if upper is not None and v > upper:
        return Answer(None, f"it would take a rate of {v:,.1f} %, above 100 %")
    return Answer(v)


NO_EFFECT = "the first month does not depend on it"


def _linear(target: float, k: float, current: float) -> Answer:
    """x with k × x = target (k = 0: any x when the target is 0, so the current one)."""
    return _affine(target, k, 0.0, current)


def _affine(target: float, k: float, c: float, current: float) -> Answer:
    """x with k × x + c = target (k = 0: any x when c is the target, so the current one)."""
    if k == 0:
        return Answer(current) if target == c else Answer(None, NO_EFFECT)
    return Answer((target - c) / k)


def _inverse(target: float, k: float, current: float) -> Answer:
    """x with k / x = target (x > 0)."""
    if k == 0:
        return Answer(current) if target == 0 else Answer(None, NO_EFFECT)
    if target <= 0:
        return Answer(None, "no finite value gives it")
    return Answer(k / target)


def _solve_one(tree: str, n: str, d: Mapping[str, float], target: float,
               base_months: float | None) -> Answer:
    if tree == "lead":
        factors = {"leads": d["leads"], "lead_conversion_rate": d["lead_conversion_rate"] / 100,
                   "average_deal_size": d["average_deal_size"]}
        k = _others(factors, n) / (100 if n == "lead_conversion_rate" else 1)
        return _linear(target, k, d[n])
    if tree == "pipeline":
        factors = {"open_deals": d["open_deals"], "win_rate": d["win_rate"] / 100,
                   "average_deal_size": d["average_deal_size"], "selling_days": d["selling_days"]}
        if n == "sales_cycle_length":
            return _inverse(target, _others(factors, n), d[n])
        k = _others(factors, n) / d["sales_cycle_length"]
        return _linear(target, k / (100 if n == "win_rate" else 1), d[n])
    if tree == "customer":
        return _solve_customer(n, d, target, base_months)
    if tree == "recurring":
        keep, inflow = 1 - d["churn_rate"] / 100, d["new_customers"] * d["arpa"]
        if n == "mrr":
            return _affine(target, keep, inflow, d[n])
        if n == "churn_rate":  # mrr × (1 − c/100) + inflow = target
            return _affine(target, -d["mrr"] / 100, d["mrr"] + inflow, d[n])
        other = d["arpa"] if n == "new_customers" else d["new_customers"]
        return _affine(target, other, d["mrr"] * keep, d[n])
    if tree == "profit":
        return Answer(target)
    raise ValueError(f"unknown tree {tree!r}")


def _others(factors: Mapping[str, float], n: str) -> float:
    """The product of the factors other than n."""
    k = 1.0
    for name, v in factors.items():
        if name != n:
            k *= v
    return k


def _solve_customer(n: str, d: Mapping[str, float], target: float,
                    base_months: float | None) -> Answer:
    if not base_months:
        raise ValueError("the customer tree needs base_months (the base period's months)")
    keep = 1 - d["churn_rate"] / 100
    per_customer = d["purchase_frequency"] / base_months * d["average_purchase_value"]
    inflow = _inflow(d)
    active_1 = d["active_customers"] * keep + inflow
    if n == "purchase_frequency":
        return _linear(target, active_1 * d["average_purchase_value"] / base_months, d[n])
    if n == "average_purchase_value":
        return _linear(target, active_1 * d["purchase_frequency"] / base_months, d[n])
    if per_customer == 0:
        return Answer(d[n]) if target == 0 else Answer(None, NO_EFFECT)
    need = target / per_customer  # active customers needed in month 1
    if n == "active_customers":
        return _affine(need, keep, inflow, d[n])
    if n == "churn_rate":
        return _affine(need, -d["active_customers"] / 100, d["active_customers"] + inflow,
                       d[n])
    if n == "new_customers":
        return _affine(need, 1.0, d["active_customers"] * keep, d[n])
    new_needed = need - d["active_customers"] * keep
    if n == "sales_and_marketing_costs":
        return _affine(new_needed, 1 / d["cac"], 0.0, d[n])
    if n == "cac":  # costs / cac = new_needed
        if d["sales_and_marketing_costs"] == 0:
            return Answer(None, NO_EFFECT) if new_needed != 0 else Answer(d["cac"])
        if new_needed <= 0:
            return Answer(None, "the customers kept already reach it: no positive CAC gives "
                          "exactly the target")
        return Answer(d["sales_and_marketing_costs"] / new_needed)
    raise ValueError(f"{n} is not a driver of the customer tree")
