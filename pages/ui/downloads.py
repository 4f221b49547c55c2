"""The download buttons: the KPI workbook (built only when clicked) and the long results CSV,
both for the sidebar's current date range, grain and filters."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.ui import planner, state

PINNED_AUDIENCE = "owner"


def _plan_for_export() -> dict[str, Any] | None:
    """The planner as last set on the What-if page, else its defaults."""
    from kpi_engine.whatif import plan

    chosen = st.session_state.get(planner.PLAN) or {}
    b = planner.base(chosen.get("base_months", 3))
    if b is None or not b.trees:
        return None
    target = chosen.get("target") or b.default_target or state.settings().monthly_target
    if not target:
        return None
    try:
        return plan(b, float(target), int(chosen.get("horizon", 3)), chosen.get("changes") or {})
    except ValueError:
        return None


def workbook_button(key: str, pinned: list[str] | None = None) -> None:
    from kpi_engine.export import MIME, file_name, workbook_bytes

    res = state.results()
    ds = state.dataset()
    if res is None or ds is None:
        return
    query = state.query()
    plan_doc = _plan_for_export()
    st.download_button(
        "Download the KPI workbook (Excel)", lambda: workbook_bytes(res, ds, query, pinned,
                                                                     plan_doc),
        file_name=file_name(res), icon=":material/download:", type="primary", key=key,
        mime=MIME, on_click="ignore",
        help="Summary, trends, breakdowns, checks with live formulas, the what-if plan, data "
             "quality — for the dates, periods and filters chosen in the sidebar.")


def csv_button(key: str) -> None:
    from kpi_engine.long import results_long

    res = state.results()
    if res is None:
        return
    st.download_button(
        "Download all values (CSV)", lambda: results_long(res).write_csv().encode("utf-8"),
        file_name=f"kpis_{res.start}_{res.end}.csv", mime="text/csv", key=key, on_click="ignore",
        icon=":material/table_view:",
        help="One row per KPI headline, period value and breakdown value.")
