"""The What-if sheet: the planner's trees (catalogue section 6) as live Excel formulas.

Each tree's drivers are cells (the base period's actual values, and the scenario as yellow
input cells); each horizon month's revenue is a formula of those cells, exactly as the section 6
table (the customer and recurring trees carry month to month); attainment and gap compare the
scenario's first month with the target cell. The owner keeps planning in Excel.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from openpyxl.utils import column_index_from_string

from kpi_engine import units
from kpi_engine.export_style import INTEGER, PLAIN_NUMBER, Sheet

TARGET = "$B$4"
BASE_MONTHS = "$B$6"
TITLES = {
    "lead": "Lead tree: revenue = leads × lead conversion rate / 100 × average deal size",
    "pipeline": "Pipeline tree: revenue = open deals × win rate / 100 × average deal size / "
                "sales cycle × selling days",
    "customer": "Customer tree: revenue = active customers × purchase frequency / base months "
                "× average purchase value; active customers = last month's × (1 − churn / 100) "
                "+ new ones",
    "recurring": "Recurring tree: MRR = last month's MRR × (1 − churn / 100) + new customers "
                 "× ARPA",
    "profit": "Profit tree: revenue per month; profit = revenue × gross margin / 100 − sales "
              "and marketing costs",
}
ORDER = ("lead", "pipeline", "customer", "recurring", "profit")
NEEDS = ("The planner needs a base period of complete months and the drivers of at least one "
         "tree: leads with conversions and deal sizes (lead), deals with win rate and cycle "
         "(pipeline), customers' orders (customer), subscriptions (recurring), or orders with "
         "costs (profit). Run `python -m kpi_engine plan FILE… --target X`, or the app's "
         "planner, to fill this sheet.")

log = logging.getLogger(__name__)

Expectations = dict[str, float | None]  # cell → the value its formula must give


def _driver_info(driver: str) -> tuple[str, str]:
    """(label, unit) of a driver: the planner's own table when it is there."""
    try:
        from kpi_engine.whatif_model import DRIVERS

        d = DRIVERS.get(driver)
        if d is not None:
            return d.label, d.unit
    except ImportError:
        pass
    unit = "percent" if driver.endswith("rate") or driver == "gross_margin" else "count"
    return driver.replace("_", " ").capitalize(), unit


def _base_months(plan: dict[str, Any]) -> float | None:
    from kpi_engine.query import months_between

    base = plan.get("base_period") or {}
    try:
        start = dt.date.fromisoformat(str(base["start"]))
        end = dt.date.fromisoformat(str(base["end"]))
    except (KeyError, ValueError):
        return None
    return months_between(start, end)


def write_whatif(sheet: Sheet, plan: dict[str, Any] | None, currency: str | None) -> Expectations:
    sheet.title(1, "What-if: keep planning in Excel",
                "Yellow cells are inputs: change a driver or the target, and the projection, "
                "attainment and gap follow.")
    expected: Expectations = {}
    money = units.excel_format("money", currency)
    if not plan or not plan.get("trees"):
        sheet.text(4, 1, NEEDS, "kpi_wrap", fit=False)
        for i, message in enumerate((plan or {}).get("messages") or []):
            sheet.text(5 + i, 1, message, fit=False)
        sheet.set_width(1, 110)
        sheet.finish()
        return expected
    target = plan.get("target")
    base = plan.get("base_period") or {}
    months = _base_months(plan)
    sheet.text(4, 1, "Target revenue per month")
    sheet.number(4, 2, target if isinstance(target, int | float) else None, money, "kpi_input")
    sheet.text(5, 1, "Base period")
    sheet.text(5, 2, f"{base.get('start', '?')} – {base.get('end', '?')}")
    sheet.text(6, 1, "Months in the base period")
    sheet.number(6, 2, months, PLAIN_NUMBER)
    sheet.text(7, 1, "Horizon (months)")
    sheet.number(7, 2, plan.get("horizon"), INTEGER)
    row = 8
    for message in plan.get("messages") or []:
        row += 1
        sheet.text(row, 1, message, "kpi_note", fit=False)
    trees = plan["trees"]
    for name in [t for t in ORDER if t in trees] + [t for t in trees if t not in ORDER]:
        row = _tree(sheet, row + 2, name, trees[name], target, months, currency, expected)
    sheet.set_width(1, 44)
    for c in (2, 3, 4, 5):
        sheet.set_width(c, 22)
    sheet.finish(freeze="A8")
    return expected


def _tree(sheet: Sheet, row: int, name: str, tree: dict[str, Any], target: Any,
          months: float | None, currency: str | None, expected: Expectations) -> int:
    sheet.text(row, 1, TITLES.get(name, f"{name} tree"), "kpi_section", fit=False)
    row += 1
    sheet.header(row, ["Driver", "Base period (actual)", "Scenario (change me)", "Unit",
                       "Needed alone to hit the target (planner, at export)"])
    base_cells: dict[str, str] = {}
    scen_cells: dict[str, str] = {}
    drivers = tree.get("drivers") or {}
    scenario = tree.get("scenario_drivers") or drivers
    solve = tree.get("solve") or {}
    for driver, value in drivers.items():
        row += 1
        label, unit = _driver_info(driver)
        fmt = units.excel_format(unit, currency)
        if unit == "count" and not float(value or 0).is_integer():
            fmt = PLAIN_NUMBER  # a monthly average: 120.33 leads, not "120"
        sheet.text(row, 1, label)
        sheet.number(row, 2, value, fmt)
        sheet.number(row, 3, scenario.get(driver, value), fmt, "kpi_input")
        sheet.text(row, 4, units.spec(unit).axis_title.replace("{cur}", currency or "money"))
        answer = solve.get(driver)
        sheet.number(row, 5, answer if isinstance(answer, int | float) else None, fmt)
        base_cells[driver], scen_cells[driver] = f"$B${row}", f"$C${row}"
    labels = list((tree.get("scenario") or tree.get("baseline") or {}).keys())
    kind = {"customer": "Active customers", "recurring": None, "profit": "Profit"}.get(name)
    row += 2
    what = "MRR" if name == "recurring" else "revenue"
    heads = ["Month", f"Baseline {what}", f"Scenario {what}"]
    if kind:
        heads += [f"Baseline: {kind.lower()}", f"Scenario: {kind.lower()}"]
    sheet.header(row, heads)
    money = units.excel_format("money", currency)
    first = row + 1
    values = {"B": _values(name, drivers, months, len(labels)),
              "C": _values(name, scenario, months, len(labels))}
    for m, label in enumerate(labels):
        row += 1
        sheet.text(row, 1, label)
        for column, helper, cells, key in (("B", "D", base_cells, "baseline"),
                                           ("C", "E", scen_cells, "scenario")):
            revenue, extra = _formulas(name, cells, row, first, helper)
            sheet.formula(row, column_index_from_string(column), revenue, money)
            expected[f"{column}{row}"] = _theirs(tree, key, label, values[column][0][m])
            if extra is not None:
                fmt = money if name == "profit" else PLAIN_NUMBER
                sheet.formula(row, column_index_from_string(helper), extra, fmt)
                mine = values[column][1][m]
                expected[f"{helper}{row}"] = _theirs(tree, "profit", label, mine) if \
                    name == "profit" and column == "C" else mine
    for message in _mismatches(tree, labels, values):
        row += 1
        sheet.text(row, 1, message, "kpi_note", fit=False)
    row += 2
    sheet.text(row, 1, "Attainment of the target (scenario, first month)")
    sheet.formula(row, 3, f'=IF(N({TARGET})>0,C{first}/{TARGET}*100,"")',
                  units.excel_format("percent"))
    has_target = isinstance(target, int | float) and target > 0
    first_value = values["C"][0][0] if labels else None
    expected[f"C{row}"] = None if not has_target else _theirs(
        tree, "attainment", None, first_value / target * 100 if first_value is not None else None)
    row += 1
    sheet.text(row, 1, "Gap to the target (scenario, first month)")
    sheet.formula(row, 3, f'=IF(N({TARGET})>0,{TARGET}-C{first},"")', money)
    expected[f"C{row}"] = None if not has_target else _theirs(
        tree, "gap", None, target - first_value if first_value is not None else None)
    return row


def _theirs(tree: dict[str, Any], key: str, label: str | None, mine: float | None
            ) -> float | None:
    """The planner's own number for a cell when it gives one, else what the formula gives."""
    v = tree.get(key)
    if label is not None:
        v = v.get(label) if isinstance(v, dict) else None
    return float(v) if isinstance(v, int | float) else mine


def _formulas(name: str, d: dict[str, str], row: int, first: int,
              helper: str) -> tuple[str, str | None]:
    """(revenue formula, helper-column formula) of one horizon month for one driver column."""
    def g(k: str) -> str:
        return d.get(k, "0")

    if name == "lead":
        return f"={g('leads')}*{g('lead_conversion_rate')}/100*{g('average_deal_size')}", None
    if name == "pipeline":
        return (f"={g('open_deals')}*{g('win_rate')}/100*{g('average_deal_size')}"
                f"/{g('sales_cycle_length')}*{g('selling_days')}"), None
    keep = f"(1-{g('churn_rate')}/100)"
    if name == "customer":
        inflow = f"{g('sales_and_marketing_costs')}/{g('cac')}" if "cac" in d else \
            g("new_customers")
        previous = g("active_customers") if row == first else f"{helper}{row - 1}"
        active = f"={previous}*{keep}+{inflow}"
        revenue = (f"={helper}{row}*{g('purchase_frequency')}/{BASE_MONTHS}"
                   f"*{g('average_purchase_value')}")
        return revenue, active
    if name == "recurring":
        previous = g("mrr") if row == first else f"{'B' if helper == 'D' else 'C'}{row - 1}"
        return f"={previous}*{keep}+{g('new_customers')}*{g('arpa')}", None
    if name == "profit":
        return (f"={g('revenue')}",
                f"={g('revenue')}*{g('gross_margin')}/100-{g('sales_and_marketing_costs')}")
    raise ValueError(f"unknown tree {name!r}")


def _values(name: str, d: dict[str, Any], months: float | None,
            horizon: int) -> tuple[list[float | None], list[float | None]]:
    """What the formulas give, month by month: (revenue, helper column)."""
    def f(k: str) -> float:
        v = d.get(k)
        return float(v) if isinstance(v, int | float) else 0.0

    revenue: list[float | None] = []
    helper: list[float | None] = []
    keep = 1 - f("churn_rate") / 100
    active, mrr = f("active_customers"), f("mrr")
    for _ in range(horizon):
        if name == "lead":
            revenue.append(f("leads") * f("lead_conversion_rate") / 100 * f("average_deal_size"))
        elif name == "pipeline":
            revenue.append(_div(f("open_deals") * f("win_rate") / 100 * f("average_deal_size"),
                                f("sales_cycle_length"), lambda x: x * f("selling_days")))
        elif name == "customer":
            inflow = _div(f("sales_and_marketing_costs"), f("cac")) if "cac" in d else \
                f("new_customers")
            active = active * keep + (inflow or 0.0)
            helper.append(active)
            revenue.append(_div(active * f("purchase_frequency"), months or 0.0,
                                lambda x: x * f("average_purchase_value")))
        elif name == "recurring":
            mrr = mrr * keep + f("new_customers") * f("arpa")
            revenue.append(mrr)
        else:
            revenue.append(f("revenue"))
            helper.append(f("revenue") * f("gross_margin") / 100 - f("sales_and_marketing_costs"))
    return revenue, helper


def _div(a: float, b: float, then: Callable[[float], float] = lambda x: x) -> float | None:
    return None if b == 0 else then(a / b)


def _mismatches(tree: dict[str, Any], labels: list[str],
               values: dict[str, tuple[list[float | None], list[float | None]]]) -> list[str]:
    """Where the formulas would not give the planner's own numbers (a bug here or there: said
    on the sheet, never hidden)."""
    out: list[str] = []
    for column, key in (("B", "baseline"), ("C", "scenario")):
        theirs = tree.get(key) or {}
        for m, label in enumerate(labels):
            a, b = values[column][0][m], theirs.get(label)
            if isinstance(b, int | float) and (a is None or abs(a - b) > 1e-6 * max(1.0, abs(b))):
                log.warning("what-if %s %s: formulas give %s, the planner %s", key, label, a, b)
                out.append(f"Note: the {key} of {label} by these formulas ({a}) differs from "
                           f"the planner's ({b}).")
    return out


def default_plan(dataset: Any, query: Any = None) -> dict[str, Any] | None:
    """The planner with its defaults (catalogue section 6): the base period of the last three
    complete months up to the range's end, horizon 3, the target = the company revenue target
    of the month after, else monthly_target. Without a target the trees are still given (the
    target cell is left for the owner to fill); a planner that cannot run gives its reason."""
    try:
        from kpi_engine.whatif import base_drivers, plan
    except ImportError:
        return None
    from kpi_engine.query import Settings, month_end, month_start

    settings = query.settings if query is not None else Settings()
    base_end = None
    if query is not None and query.end is not None:
        end = query.end
        base_end = end if month_end(end) == end else month_start(end) - dt.timedelta(days=1)
    try:
        base = base_drivers(dataset.tables, settings, dataset.currency, None, base_end)
        if base.default_target is not None:
            return plan(base, base.default_target, 3)
        doc = plan(base, 0.0, 3)
    except Exception as exc:  # noqa: BLE001 - the workbook is written without the planner
        log.exception("the planner could not run")
        return {"trees": {}, "messages": [f"The planner could not run: {exc}"]}
    doc["target"] = None
    for tree in doc["trees"].values():
        tree["attainment"], tree["gap"], tree["solve"] = None, None, {}
    month = base.first_month.strftime("%Y-%m")
    doc["messages"] = [*base.messages,
        f"No revenue target for {month}: type one in the yellow target cell (or upload "
        "targets, or pass --monthly-target)."]
    return doc
