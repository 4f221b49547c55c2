"""The KPI catalogue: every KPI grouped as in the spec, with its value, trend, formula (also in
the owner's own numbers), status and benchmark; unavailable ones say what unlocks them."""

import streamlit as st

from kpi_engine.catalogue import load_all
from pages.ui import charts, sidebar, state, view

GROUPS = {
    "A": "Revenue and growth", "B": "Profitability and marketing return",
    "C": "Marketing and lead generation", "D": "Leads and qualification",
    "E": "Sales activity", "F": "Pipeline", "G": "Conversion and closing", "H": "Customers",
    "I": "Team and targets", "J": "Pricing and product",
}

sidebar.show()
st.title("KPI catalogue")
if view.need_data():
    st.stop()

registry = load_all()
res = state.results()
assert res is not None
available = sum(r.available for r in res.kpis.values())
st.caption(f"{available} of {len(res.kpis)} KPIs computed from your files for {res.start} – "
           f"{res.end}. The others say what would unlock them.")

bar = st.container(horizontal=True, vertical_alignment="bottom")
group = bar.pills("Group", list(GROUPS), format_func=lambda g: f"{g} · {GROUPS[g]}",
                  default="A", key="cat_group", required=True, bind="query-params") or "A"
search = bar.text_input("Find a KPI", placeholder="e.g. churn", key="cat_search")
only_available = bar.toggle("Only computed ones", key="cat_available")

if search:
    ids = [k for k, s in registry.items() if search.lower() in (s.name + " " + k).lower()]
    st.subheader(f"KPIs matching “{view.md(search)}”")
else:
    ids = [k for k, s in registry.items() if s.group == group]
    st.subheader(f"{group}. {GROUPS[group]}")

for kpi_id in ids:
    r = res.kpis[kpi_id]
    if only_available and not r.available:
        continue
    spec = registry[kpi_id]
    with st.container(border=True):
        head, chart = st.columns([2, 3], gap="medium")
        with head:
            st.markdown(f"**{r.name}** `{kpi_id}`")
            if r.available:
                st.markdown(f"### {view.fmt(r.value, r.unit)}")
                if r.value is None:
                    st.caption(r.explanation or "No value for these dates: try a longer range.")
                view.status_badge(r.status)
                if r.extra.get("attainment_pct") is not None:
                    st.caption(f"{r.extra['attainment_pct']:.0f} % of your target")
            else:
                st.markdown("### —")
                st.caption(view.unlock_text(r))
            with st.popover("How is this computed?"):
                view.how_computed(r)
        with chart:
            series = view.period_rows(r)
            if r.available and len(series) > 1:
                st.altair_chart(charts.trend(r, height=200, short_title=True), width="stretch")
            elif r.available and r.by:
                dim, rows = next(iter(r.by.items()))
                st.altair_chart(charts.ranked_bars(rows, r.unit, r.name, dim), width="stretch")
            else:
                st.caption(spec.formula)
