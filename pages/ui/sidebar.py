"""The shared sidebar of every page: date range, grain and filters → the session's query.

Nothing here re-reads a file: the dataset stays in session_state, and a widget change only
builds a new Query (the KPIs for it are computed once and kept per session)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kpi_engine.query import add_months, month_end, month_start
from pages.ui import state

PRESETS = ("All data", "Last 12 months", "Last 6 months", "Last 3 months", "Last month",
           "Year to date", "Custom")
GRAINS = {"week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year"}
ALL = "All"
FILTER_KEY = "f_{}"  # the widget key of each filter (Overview's rep view writes f_rep)


def preset_range(preset: str, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a preset means for data ending on `last` (never before `first`)."""
    months = {"Last 12 months": 12, "Last 6 months": 6, "Last 3 months": 3}
    if preset in months:
        start = add_months(month_start(last), -(months[preset] - 1))
        return max(first, start), last
    if preset == "Last month":
        end = last if last == month_end(last) else month_start(last) - dt.timedelta(days=1)
        return max(first, month_start(end)), end
    if preset == "Year to date":
        return max(first, dt.date(last.year, 1, 1)), last
    return first, last


def show() -> None:
    sp = state.span()
    with st.sidebar:
        if sp is None:
            st.caption("Upload your files (or the sample data) to choose dates and filters.")
            state.set_query(None, None, "month", {})
            return
        ds = state.dataset()
        n = len(ds.tables) if ds else 0
        st.caption(f"Showing {state.dataset_label()}: {n} table{'s' * (n != 1)}, "
                   f"{sp.first:%d %b %Y} – {sp.last:%d %b %Y}")
        preset = st.selectbox("Date range", PRESETS, key="f_preset", persist_state="session")
        start, end = preset_range(preset, sp.first, sp.last)
        if preset == "Custom":
            picked = st.date_input("From – to", value=(sp.first, sp.last), min_value=sp.first,
                                   max_value=sp.last, key="f_dates", format="YYYY-MM-DD",
                                   persist_state="session")
            if isinstance(picked, tuple) and len(picked) == 2:
                start, end = picked
            else:
                st.caption("Pick the last day too.")
        else:
            st.caption(f"{start:%d %b %Y} – {end:%d %b %Y}")
        grain = st.segmented_control(
            "Periods", list(GRAINS), format_func=GRAINS.get, default="month",
            key="f_grain", required=True, persist_state="session") or "month"
        filters: dict[str, str] = {}
        if sp.dimensions:
            st.markdown("**Filters**")
        for dim, values in sp.dimensions.items():
            key = FILTER_KEY.format(dim)
            if st.session_state.get(key) not in (None, ALL, *values):
                st.session_state[key] = ALL
            chosen = st.selectbox(dim.capitalize(), [ALL, *values], key=key,
                                  persist_state="session")
            if chosen and chosen != ALL:
                filters[dim] = chosen
        if filters:
            st.button("Clear filters", on_click=_clear_filters, args=(list(sp.dimensions),))
        state.set_query(start, end, grain, filters)


def _clear_filters(dims: list[str]) -> None:
    for dim in dims:
        st.session_state[FILTER_KEY.format(dim)] = ALL
