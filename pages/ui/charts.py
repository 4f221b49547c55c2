"""Altair charts the pages share: one idea per chart, axis titles with units, exact tooltips,
the target as a rule line, ranked bars for breakdowns (UX.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt
import polars as pl

from kpi_engine import units
from pages.ui import state

if TYPE_CHECKING:
    from kpi_engine.catalogue.spec import Result

PRIMARY = "#1f6feb"
STATUS_HEX = {**units.STATUS_COLOURS, None: PRIMARY}  # the workbook uses the same colours


def _frame(rows: dict[str, Any], unit: str) -> pl.DataFrame:
    from pages.ui.view import fmt

    items = [(str(k), float(v)) for k, v in rows.items() if isinstance(v, int | float)]
    return pl.DataFrame(
        {"label": [k for k, _ in items], "value": [v for _, v in items],
         "shown": [fmt(v, unit) for _, v in items]},
        schema={"label": pl.String, "value": pl.Float64, "shown": pl.String},
    )


def trend(result: Result, target: float | None = None, height: int = 260,
          bars: bool | None = None, short_title: bool = False) -> alt.Chart | alt.LayerChart:
    """The KPI per period; flows as bars, rates and stocks as a line; the target as a rule."""
    cur = state.currency()
    df = _frame(result.by_period, result.unit)
    y_title = units.axis_title(result.name, result.unit, cur)
    if short_title:  # small charts: the unit only, the KPI's name is beside the chart
        y_title = y_title[len(result.name) + 2:-1]
    fmt = units.spec(result.unit).altair
    use_bars = bars if bars is not None else result.unit in ("money", "count")
    base = alt.Chart(df).encode(
        x=alt.X("label:N", title="Period", sort=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt)),
        tooltip=[alt.Tooltip("label:N", title="Period"),
                 alt.Tooltip("shown:N", title=result.name)],
    )
    if use_bars:
        colour: Any = alt.value(PRIMARY)
        if target is not None:
            colour = alt.condition(alt.datum.value < target, alt.value(STATUS_HEX["bad"]),
                                   alt.value(PRIMARY))
        mark = base.mark_bar().encode(color=colour)
    else:
        mark = base.mark_line(point=True, color=PRIMARY)
    chart: alt.Chart | alt.LayerChart = mark
    if target is not None:
        rule = alt.Chart(pl.DataFrame({"target": [target]})).mark_rule(
            color=STATUS_HEX["watch"], strokeDash=[6, 4], size=2
        ).encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target", format=fmt)])
        chart = alt.layer(mark, rule)
    return chart.properties(height=height)


def ranked_bars(rows: dict[str, Any], unit: str, measure: str, dimension: str,
                height: int | None = None) -> alt.Chart:
    """A ranked horizontal bar per value of a dimension (largest first)."""
    cur = state.currency()
    df = _frame(rows, unit).sort("value", descending=True)
    fmt = units.spec(unit).altair
    return alt.Chart(df).mark_bar(color=PRIMARY).encode(
        y=alt.Y("label:N", title=dimension.replace("_", " ").capitalize(), sort="-x",
                axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        x=alt.X("value:Q", title=units.axis_title(measure, unit, cur),
                axis=alt.Axis(format=fmt, tickCount=6)),
        tooltip=[alt.Tooltip("label:N", title=dimension.capitalize()),
                 alt.Tooltip("shown:N", title=measure)],
    ).properties(height=height or alt.Step(34))


def steps(rows: dict[str, Any], unit: str, measure: str, step_title: str = "Step") -> alt.Chart:
    """Funnel steps in their own order (not ranked)."""
    cur = state.currency()
    df = _frame(rows, unit)
    fmt = units.spec(unit).altair
    return alt.Chart(df).mark_bar(color=PRIMARY).encode(
        y=alt.Y("label:N", title=step_title, sort=None,
                axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        x=alt.X("value:Q", title=units.axis_title(measure, unit, cur),
                axis=alt.Axis(format=fmt, tickCount=6)),
        tooltip=[alt.Tooltip("label:N", title=step_title),
                 alt.Tooltip("shown:N", title=measure)],
    ).properties(height=alt.Step(38))


def lines(series: dict[str, dict[str, Any]], unit: str, measure: str,
          height: int = 280) -> alt.Chart:
    """Several KPIs over the same periods, one line each (same unit)."""
    from pages.ui.view import fmt

    rows = [{"period": str(p), "series": name, "value": float(v), "shown": fmt(float(v), unit)}
            for name, values in series.items() for p, v in values.items()
            if isinstance(v, int | float)]
    df = pl.DataFrame(rows, schema={"period": pl.String, "series": pl.String,
                                    "value": pl.Float64, "shown": pl.String})
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("period:N", title="Period", sort=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=units.axis_title(measure, unit, state.currency()),
                axis=alt.Axis(format=units.spec(unit).altair)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("period:N", title="Period"), alt.Tooltip("series:N", title="KPI"),
                 alt.Tooltip("shown:N", title="Value")],
    ).properties(height=height)
