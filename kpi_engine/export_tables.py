"""The Trends sheet (per-period values of the main KPIs, with native Excel charts) and the
Breakdowns sheet (every `by` of every KPI, one row per value: filter it by rep, region …)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openpyxl.chart import BarChart, LineChart, Reference

from kpi_engine import units
from kpi_engine.export_style import Sheet, col
from kpi_engine.export_summary import GROUPS, catalogue_order, group_of, specs, unit_text

if TYPE_CHECKING:
    from kpi_engine.catalogue.spec import Result
    from kpi_engine.evaluate import Results

# the main KPIs when nothing is pinned (those available are taken, in this order)
MAIN = ("revenue", "won_revenue", "orders_count", "average_purchase_value", "gross_margin",
        "new_customers", "leads_generated", "win_rate", "mrr", "churn_rate",
        "target_attainment", "pipeline_value")
MAX_TRENDS = 8
HEADER_ROW = 4
CHART_ROWS = 16  # rows a chart takes
FLOW_KINDS = ("flow", "breakdown")

DIM_ORDER = ("rep", "team", "region", "channel", "product", "segment", "campaign", "stage",
             "step", "probability_band", "type", "touches", "outreach_method")
KEEP_ORDER = {"stage", "step", "probability_band", "touches"}  # the engine's (funnel) order
# extra maps keyed like a breakdown: key → (dimension, unit; None = yes/no)
EXTRA_MAPS: dict[str, tuple[str, str | None]] = {
    "value_by_stage": ("stage", "money"),
    "value_by_probability_band": ("probability_band", "money"),
    "value_by_channel": ("channel", "money"),
    "cost_per_click_by_channel": ("channel", "money"),
    "earns_more_than_click_costs": ("channel", None),
    "lost_account_lifetime_days_by_rep": ("rep", "days"),
    "deals_reaching_stage": ("stage", "count"),
}


def main_kpis(results: Results, pinned: list[str] | None) -> list[Result]:
    out: list[Result] = []
    for kpi_id in [*(pinned or []), *MAIN]:
        r = results.kpis.get(kpi_id)
        if r is None or r in out or not r.available:
            continue
        if any(isinstance(v, int | float) for v in r.by_period.values()):
            out.append(r)
        if len(out) == MAX_TRENDS:
            break
    return out


def write_trends(sheet: Sheet, results: Results, pinned: list[str] | None) -> None:
    cur = results.currency
    kpis = main_kpis(results, pinned)
    sheet.title(1, f"Trends by {results.grain}",
                "Each KPI's value per period of the range (the first and last period may be "
                "partial). The charts read this table.")
    if not kpis:
        sheet.text(HEADER_ROW, 1, "No KPI has values per period for this data.")
        sheet.finish()
        return
    periods = list(kpis[0].by_period)
    for r in kpis[1:]:
        periods += [p for p in r.by_period if p not in periods]
    sheet.header(HEADER_ROW, ["Period"] + [f"{r.name} ({unit_text(r.unit, cur)})"
                                           for r in kpis])
    for i, label in enumerate(periods):
        row = HEADER_ROW + 1 + i
        sheet.text(row, 1, label)
        for j, r in enumerate(kpis):
            v = r.by_period.get(label)
            sheet.number(row, 2 + j, v if isinstance(v, int | float) else None,
                         units.excel_format(r.unit, cur))
    last = HEADER_ROW + len(periods)
    anchor_col = len(kpis) + 3
    for j, r in enumerate(kpis):
        chart = _chart(sheet, r, cur, 2 + j, last)
        row = 1 + (j // 2) * CHART_ROWS
        sheet.ws.add_chart(chart, f"{col(anchor_col + (j % 2) * 9)}{row}")
    sheet.finish(HEADER_ROW, last, len(kpis) + 1, freeze=f"B{HEADER_ROW + 1}")


def _chart(sheet: Sheet, r: Result, cur: str | None, data_col: int, last: int) -> Any:
    spec = specs().get(r.id)
    flow = spec is not None and spec.kind in FLOW_KINDS
    chart: Any = BarChart() if flow else LineChart()
    if flow:
        chart.type = "col"
    chart.title = r.name
    chart.style = 2
    chart.legend = None
    chart.height, chart.width = 7.5, 15.5
    chart.y_axis.title = units.axis_title(r.name, r.unit, cur)
    chart.y_axis.number_format = "#,##0" if r.unit == "money" else units.excel_format(r.unit)
    chart.y_axis.delete = False  # openpyxl hides axes by default in newer Excel
    chart.x_axis.delete = False
    data = Reference(sheet.ws, min_col=data_col, min_row=HEADER_ROW, max_row=last)
    cats = Reference(sheet.ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    for series in chart.series:
        series.smooth = False  # a curve would show values the data never had
    return chart


def breakdown_rows(results: Results) -> list[tuple[str, str, Result, str, Any, str | None]]:
    """(dimension, item, KPI, row label, value, unit) for every `by` and breakdown-like extra."""
    out: list[tuple[str, str, Result, str, Any, str | None]] = []
    for r in catalogue_order(results):
        if not r.available:
            continue
        for dim, items in r.by.items():
            out += [(dim, str(k), r, r.name, v, r.unit) for k, v in _ordered(dim, items)]
        for key, (dim, unit) in EXTRA_MAPS.items():
            items = r.extra.get(key)
            if isinstance(items, dict):
                label = f"{r.name}: {key.replace('_', ' ')}"
                out += [(dim, str(k), r, label, v, unit) for k, v in _ordered(dim, items)]
    rank = {d: i for i, d in enumerate(DIM_ORDER)}
    out.sort(key=lambda t: (rank.get(t[0], len(rank)), t[0]))  # stable: KPI order kept
    return out


def _ordered(dim: str, items: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs = list(items.items())
    if dim in KEEP_ORDER:
        return pairs
    return sorted(pairs, key=lambda kv: (not isinstance(kv[1], int | float), -(
        kv[1] if isinstance(kv[1], int | float) and not isinstance(kv[1], bool) else 0)))


def _additive(r: Result, unit: str | None) -> bool:
    spec = specs().get(r.id)
    return unit in ("money", "count") and spec is not None and \
        spec.kind in ("flow", "breakdown", "stock")


def write_breakdowns(sheet: Sheet, results: Results) -> None:
    cur = results.currency
    sheet.title(1, "Breakdowns",
                "Every KPI split by rep, team, region, channel, product, segment … — filter "
                "the Breakdown column. Share = the item's part of the KPI's total.")
    sheet.header(HEADER_ROW, ["Breakdown", "Item", "KPI", "Value", "Unit", "Share of total",
                              "Section"])
    rows = breakdown_rows(results)
    totals: dict[tuple[str, str], float] = {}
    for dim, _, r, label, v, unit in rows:
        if _additive(r, unit) and isinstance(v, int | float) and not isinstance(v, bool):
            totals[(dim, label)] = totals.get((dim, label), 0.0) + float(v)
    row = HEADER_ROW
    for dim, item, r, label, v, unit in rows:
        row += 1
        sheet.text(row, 1, dim.replace("_", " "))
        sheet.text(row, 2, item)
        sheet.text(row, 3, label)
        sheet.value(row, 4, v, units.excel_format(unit or "count", cur))
        sheet.text(row, 5, unit_text(unit, cur) if unit else "yes/no")
        total = totals.get((dim, label))
        share = None
        if total and isinstance(v, int | float) and not isinstance(v, bool):
            share = float(v) / total * 100
        sheet.number(row, 6, share, units.excel_format("percent"))
        sheet.text(row, 7, GROUPS.get(group_of(r.id), ""))
    if row == HEADER_ROW:
        sheet.text(row + 1, 1, "No KPI has a breakdown for this data.")
    sheet.finish(HEADER_ROW, row, 7, freeze=f"C{HEADER_ROW + 1}")
