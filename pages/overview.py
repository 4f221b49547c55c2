"""Overview: the pinned KPIs as cards, one trend chart and what needs attention."""

import streamlit as st

from kpi_engine.catalogue import load_all
from pages.ui import charts, downloads, sidebar, state, view
from pages.ui.audiences import AUDIENCES
from pages.ui.sidebar import ALL, FILTER_KEY

# the KPIs that carry a status (a benchmark or the user's target): the attention list
WATCHED = ["call_show_rate", "quote_to_close", "ltv_cac_ratio", "target_attainment",
           "quota_attainment_share", "pipeline_coverage", "monthly_sales_progress",
           "deals_won", "leads_generated", "new_customers", "stale_leads_deals"]
TREND_FIRST = ["revenue", "won_revenue", "mrr", "leads_generated"]

sidebar.show()
st.title("Overview")
if view.need_data():
    st.stop()

registry = load_all()
top = st.container(horizontal=True, vertical_alignment="bottom")
audience = top.segmented_control(
    "Dashboard for", list(AUDIENCES), format_func=lambda a: AUDIENCES[a][0], default="owner",
    key="audience", required=True, bind="query-params") or "owner"
sp = state.span()
if audience == "rep" and sp is not None and "rep" in sp.dimensions:
    current = st.session_state.get(FILTER_KEY.format("rep"), ALL)
    reps = sp.dimensions["rep"]
    top.selectbox("Rep", reps, index=reps.index(current) if current in reps else None,
                  placeholder="Pick a rep", key="overview_rep",
                  on_change=lambda: st.session_state.update(
                      {FILTER_KEY.format("rep"): st.session_state["overview_rep"]}))
    if current == ALL:
        st.info("Pick a rep to see their own numbers (the rep filter in the sidebar follows).")

default = AUDIENCES[audience][1]
pinned = state.pinned(audience, default)
with top.popover("Choose KPIs", icon=":material/push_pin:"):
    chosen = st.multiselect(
        "Pinned KPIs (5–10)", list(registry), default=pinned, max_selections=10,
        format_func=lambda k: registry[k].name, key=f"pins_{audience}")
    if chosen != pinned:
        state.set_pinned(audience, chosen)
        pinned = chosen
    if st.button("Back to the defaults"):
        state.set_pinned(audience, default)
        st.rerun()

trend_id = next((k for k in TREND_FIRST if k in registry), "revenue")
res = state.results(only=sorted({*pinned, *WATCHED, *TREND_FIRST}))
assert res is not None
st.caption(f"{res.start} – {res.end}, by {res.grain}"
           + (f" · {', '.join(f'{k}: {view.md(v)}' for k, v in state.query().filters.items())}"
              if state.query().filters else ""))

cards = st.container(horizontal=True, gap="small")
for kpi_id in pinned:
    with cards.container(width=215):
        view.kpi_card(res.kpis[kpi_id])

left, right = st.columns([3, 2], gap="large")
with left:
    trend = next((res.kpis[k] for k in TREND_FIRST if res.kpis[k].available), None)
    if trend is not None:
        target = state.settings().monthly_target if res.grain == "month" and \
            trend.id in ("revenue", "won_revenue") else None
        st.subheader(f"{trend.name} by {res.grain}")
        st.altair_chart(charts.trend(trend, target=target), width="stretch")
        if target is not None:
            st.caption(f"Dashed line: your monthly target ({view.fmt(target, 'money')}); "
                       "red bars are months below it.")
with right:
    st.subheader("What needs attention")
    items: list[str] = []
    for kpi_id in WATCHED:
        r = res.kpis[kpi_id]
        if r.available and r.status == "bad":
            items.append(f":red-badge[{r.name}] {view.fmt(r.value, r.unit)} — "
                         f"{view.band_text(kpi_id) or 'below your target'}")
        elif r.available and r.status == "watch":
            items.append(f":orange-badge[{r.name}] {view.fmt(r.value, r.unit)}")
    progress = res.kpis["monthly_sales_progress"]
    if progress.available and progress.extra.get("target"):
        e = progress.extra
        items.append(f"**{e['month']}**: {view.fmt(e['mtd'], 'money')} of "
                     f"{view.fmt(e['target'], 'money')} target "
                     f"({progress.value:.0f} %), on pace for {e['projection_pct']:.0f} %")
    stale = res.kpis["stale_leads_deals"]
    if stale.available and stale.value:
        n_open = stale.extra.get("open_records", 0)
        items.append(f"{stale.value:.0f} % of {n_open:,} open {stale.extra.get('records')} "
                     f"without contact for more than {state.settings().stale_after_days} days")
    below = {rep: v for rep, v in res.kpis["target_attainment"].by.get("rep", {}).items()
             if isinstance(v, int | float) and v < 100}
    if below:
        items.append("Below quota: " + ", ".join(f"{view.md(rep)} ({v:.0f} %)" for rep, v in
                                                 sorted(below.items(), key=lambda x: x[1])))
    if items:
        st.markdown("\n".join(f"- {i}" for i in items))
    else:
        st.write("Nothing is in a bad state for this period. "
                 "Targets (a file or Settings) make this list sharper.")
    st.page_link("pages/catalogue.py", label="Every KPI with its formula",
                 icon=":material/menu_book:")
    downloads.workbook_button("overview_xlsx", pinned)
