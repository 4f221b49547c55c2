"""The download buttons: the KPI workbook and the long results CSV, both for the sidebar's
current date range, grain and filters. Nothing is computed until a button is clicked (the
button's data is a function run on click), so the buttons cost a page nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from pages.ui import planner, state

if TYPE_CHECKING:
    from kpi_engine.ingest.dataset import Dataset
    from kpi_engine.query import Query


def _plan_for_export(ds: Dataset, settings: Any, chosen: dict[str, Any],
                     start_end: tuple[Any, Any]) -> dict[str, Any] | None:
    """The planner as last set on the What-if page, else its defaults."""
    from kpi_engine.whatif import base_drivers, plan

    b = base_drivers(ds.tables, settings, ds.currency, *start_end)
    if not b.trees:
        return None
    target = chosen.get("target") or b.default_target or settings.monthly_target
    if not target:
        return None
    try:
        return plan(b, float(target), int(chosen.get("horizon", 3)), chosen.get("changes") or {})
    except ValueError:
        return None


def _workbook(ds: Dataset, query: Query, pinned: list[str] | None,
              chosen: dict[str, Any], start_end: tuple[Any, Any]) -> bytes:
    from kpi_engine.evaluate import evaluate
    from kpi_engine.export import workbook_bytes

    res = evaluate(ds.tables, query, ds.currency)
    plan_doc = _plan_for_export(ds, query.settings, chosen, start_end)
    return workbook_bytes(res, ds, query, pinned, plan_doc)


def workbook_button(key: str, pinned: list[str] | None = None) -> None:
    from kpi_engine.export import MIME

    ds = state.dataset()
    if ds is None or not ds.tables:
        return
    query = state.query()
    chosen = dict(st.session_state.get(planner.PLAN) or {})
    start_end = planner.base_range(chosen.get("base_months", 3))
    span = state.span()
    name = f"kpis_{query.start or span.first}_{query.end or span.last}.xlsx" if span \
        else "kpis.xlsx"
    st.download_button(
        "Download the KPI workbook (Excel)",
        lambda: _workbook(ds, query, pinned, chosen, start_end),
        file_name=name, icon=":material/download:", type="primary", key=key,
        mime=MIME, on_click="ignore",
        help="Summary, trends, breakdowns, checks with live formulas, the what-if plan, data "
             "quality — for the dates, periods and filters chosen in the sidebar.")


def csv_button(key: str) -> None:
    ds = state.dataset()
    if ds is None or not ds.tables:
        return
    query = state.query()

    def values() -> bytes:
        from kpi_engine.evaluate import evaluate
        from kpi_engine.long import results_long

        return results_long(evaluate(ds.tables, query, ds.currency)).write_csv().encode()

    st.download_button(
        "Download all values (CSV)", values, file_name="kpi_values.csv", mime="text/csv",
        key=key, on_click="ignore", icon=":material/table_view:",
        help="One row per KPI headline, period value and breakdown value.")
