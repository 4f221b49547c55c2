"""Export: the KPI workbook an owner can hand to their accountant, and every value as CSV."""

import streamlit as st

from pages.ui import downloads, sidebar, state, view
from pages.ui.audiences import pinned_of
from pages.ui.planner import PLAN

sidebar.show()
st.title("Download your KPIs")
if view.need_data():
    st.stop()

q = state.query()
res = state.results()
assert res is not None
available = sum(r.available for r in res.kpis.values())
filters = ", ".join(f"{k}: {view.md(v)}" for k, v in q.filters.items()) or "none"
st.markdown(f"For **{res.start} – {res.end}**, by **{res.grain}**, filters: **{filters}** "
            f"({available} of {len(res.kpis)} KPIs computed). Change them in the sidebar.")

st.markdown("""
The workbook holds:

- **Summary** — your pinned KPIs first, then every KPI by group: value, change against the
  previous period, target and attainment, status, the formula and your own numbers in it;
  KPIs that could not be computed say what would unlock them.
- **Trends** — the main KPIs per period, with charts.
- **Breakdowns** — by rep, region, channel, product and segment.
- **Checks** — for each ratio, the two numbers and the ratio as a live Excel formula.
- **What-if** — the planner's drivers as input cells and the projection as formulas: keep
  planning in Excel.
- **Data quality** — your files, what each was read as, the column mapping, rows set aside.
- **About** — dates, periods, filters, settings, when it was made.
""")
audience = st.session_state.get("audience") or "owner"
pinned = pinned_of(audience)
scenario = st.session_state.get(PLAN)
if scenario and scenario.get("changes"):
    st.caption("The What-if sheet holds the scenario you last set on the What-if planner.")

row = st.container(horizontal=True)
with row:
    downloads.workbook_button("export_xlsx", pinned)
    downloads.csv_button("export_csv")
