"""Pieces of the what-if page: the planner's base (computed once per upload and settings), the
driver sliders, the projection chart and the goal-seek table. Slider moves only run the pure
driver model of kpi_engine.whatif (microseconds): no file is re-read, no KPI recomputed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import altair as alt
import polars as pl
import streamlit as st

from kpi_engine import units
from kpi_engine.query import add_months, month_end, month_start
from kpi_engine.whatif_model import DRIVERS
from pages.ui import state

if TYPE_CHECKING:
    from kpi_engine.whatif_base import Base

TREE_TITLES = {
    "lead": "Leads → revenue", "pipeline": "Pipeline → revenue",
    "customer": "Customers → revenue", "recurring": "Recurring revenue (MRR)",
    "profit": "Profit",
}
TREE_FORMULAS = {
    "lead": "revenue = leads × lead conversion rate × average deal size",
    "pipeline": "monthly forecast = open deals × win rate × average deal size / sales cycle "
                "(days) × selling days per month",
    "customer": "revenue = active customers × purchase frequency / base months × average "
                "purchase value; each month active customers lose churn and gain "
                "sales-and-marketing costs / CAC (or new customers)",
    "recurring": "next MRR = MRR × (1 − churn) + new customers × ARPA",
    "profit": "gross profit = revenue × gross margin − sales and marketing costs",
}
PLAN = "whatif_plan"  # the current scenario, for the Excel export
SCENARIOS = "whatif_scenarios"


BASE_MONTHS = {3: "Last 3 complete months", 6: "Last 6 complete months",
               12: "Last 12 complete months", 0: "All your data"}


def base(months: int = 3) -> Base | None:
    """The planner's start: the drivers over the base period (computed once per upload,
    settings and base period; slider moves never recompute it)."""
    ds = state.dataset()
    if ds is None or not state.has_rows():
        return None
    key = (state.version(), repr(state.settings()), months)
    got = st.session_state.get("_whatif_base")
    if got and got[0] == key:
        return got[1]
    from kpi_engine.whatif import base_drivers

    start, end = base_range(months)
    b = base_drivers(ds.tables, state.settings(), ds.currency, start, end)
    st.session_state["_whatif_base"] = (key, b)
    return b


def base_range(months: int) -> tuple[dt.date | None, dt.date | None]:
    """None, None: the planner's default (the last three complete months)."""
    sp = state.span()
    if months == 3 or sp is None:
        return None, None
    if months == 0:
        return sp.first, sp.last
    end = sp.last if sp.last == month_end(sp.last) else month_start(sp.last) - dt.timedelta(1)
    start = max(month_start(sp.first), add_months(month_start(end), -(months - 1)))
    return (start, end) if start <= end else (None, None)


def driver_unit(driver: str) -> str:
    return DRIVERS[driver].unit


def fmt(driver: str, value: float | None) -> str:
    from pages.ui.view import fmt as view_fmt

    return view_fmt(value, driver_unit(driver))


def _bounds(driver: str, value: float) -> tuple[float, float, float]:
    unit = driver_unit(driver)
    if unit == "percent":
        return 0.0, 100.0, 0.1
    top = max(3 * value, 1.0)
    if unit == "count":
        return 0.0, float(round(top)), 1.0
    if unit == "days":
        return 0.5 if driver == "sales_cycle_length" else 0.0, max(top, 31.0), 0.5
    if unit == "ratio":
        return 0.0, top, 0.01
    step = 10 ** max(0, len(str(int(value))) - 3) if value >= 100 else 1.0
    return 0.0, float(round(top / step) * step), float(step)


def sliders(b: Base, tree: str, key: str) -> dict[str, float]:
    """One slider per driver, starting at the actual value; returns the changed drivers."""
    changes: dict[str, float] = {}
    for driver, value in b.trees[tree].items():
        lo, hi, step = _bounds(driver, value)
        start = min(max(value, lo), hi)
        got = st.slider(DRIVERS[driver].label, lo, hi, float(start), step,
                        key=f"{key}_{driver}", help=f"Your actual value: {fmt(driver, value)}")
        if abs(got - value) > step / 2:
            changes[f"{tree}.{driver}"] = got
            diff = got - value
            rel = f" ({diff / value * 100:+.1f} %)" if value else ""
            st.caption(f"{'+' if diff > 0 else '−'}{fmt(driver, abs(diff))}{rel} vs your "
                       f"{fmt(driver, value)}")
    return changes


def chart(b: Base, tree: str, entry: dict[str, Any], target: float) -> alt.LayerChart:
    unit = "money"
    history = [(m, v) for m, v in b.history.get(tree, {}).items() if v is not None][-12:]
    rows = [{"month": m, "series": "Actual", "value": float(v)} for m, v in history]
    for series in ("baseline", "scenario"):
        rows += [{"month": m, "series": series.capitalize(), "value": float(v)}
                 for m, v in entry[series].items() if v is not None]
    if tree == "profit":
        rows += [{"month": m, "series": "Profit", "value": float(v)}
                 for m, v in entry["profit"].items() if v is not None]
    df = pl.DataFrame(rows, schema={"month": pl.String, "series": pl.String,
                                    "value": pl.Float64})
    df = df.with_columns(shown=pl.col("value").map_elements(
        lambda v: units.display(v, unit, state.currency()), return_dtype=pl.String))
    palette = {"Actual": "#6e7781", "Baseline": "#8250df", "Scenario": "#1f6feb",
               "Profit": "#1a7f37"}
    shown_series = [k for k in palette if k in set(df["series"].to_list())]
    colours = alt.Scale(domain=shown_series, range=[palette[k] for k in shown_series])
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("month:N", title="Month", sort=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=units.axis_title(
            "MRR" if tree == "recurring" else "Revenue", unit, state.currency()),
            axis=alt.Axis(format=units.spec(unit).altair)),
        color=alt.Color("series:N", scale=colours, title=None,
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.condition(alt.datum.series == "Baseline", alt.value([5, 4]),
                                 alt.value([1, 0])),
        tooltip=[alt.Tooltip("month:N", title="Month"), alt.Tooltip("series:N", title="Line"),
                 alt.Tooltip("shown:N", title="Value")],
    )
    rule = alt.Chart(pl.DataFrame({"target": [target]})).mark_rule(
        color="#bf8700", strokeDash=[6, 4], size=2).encode(
        y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target per month",
                                           format=units.spec(unit).altair)])
    return alt.layer(lines, rule).properties(height=320)


def solve_rows(b: Base, tree: str, scenario: dict[str, float], target: float
               ) -> list[dict[str, str]]:
    from kpi_engine.whatif_model import solve

    rows = []
    for driver, answer in solve(tree, scenario, target, b.months).items():
        now = scenario[driver]
        if answer.value is None:
            needed, change = "—", answer.reason or "cannot reach the target"
        else:
            needed = fmt(driver, answer.value)
            change = (f"{(answer.value - now) / now * 100:+.1f} %" if now else "from 0")
        rows.append({"Driver": DRIVERS[driver].label, "Now": fmt(driver, now),
                     "Needed alone": needed, "Change": change})
    return rows
