"""Pipeline and funnel: open pipeline by stage and probability band, stage-to-stage conversion,
time in stage, velocity and coverage, the lead funnel and the shop funnel."""

import streamlit as st

from pages.ui import charts, sidebar, state, view

CARDS = ["pipeline_value", "pipeline_coverage", "pipeline_velocity", "win_rate",
         "sales_cycle_length", "average_deal_size"]
FUNNEL = ["deals_by_stage", "stage_conversion", "time_in_stage", "leads_generated",
          "qualified_leads", "lead_to_opportunity_rate", "lead_conversion_rate",
          "ecommerce_funnel", "stale_leads_deals"]

sidebar.show()
st.title("Pipeline and funnel")
if view.need_data():
    st.stop()

res = state.results(only=CARDS + FUNNEL)
assert res is not None
k = res.kpis

if not k["pipeline_value"].available:
    view.missing_table("deals", "your pipeline, stage conversion, velocity and coverage "
                       "(a CRM export of deals or opportunities)")
else:
    st.caption(f"Open pipeline on {res.end}; conversion and time in stage over "
               f"{res.start} – {res.end}.")
    row = st.container(horizontal=True)
    for kpi_id in CARDS:
        with row.container(width=260):
            view.kpi_card(k[kpi_id])

    left, right = st.columns(2, gap="large")
    by_stage = k["deals_by_stage"].extra.get("value_by_stage") or k["pipeline_value"].by.get(
        "stage", {})
    with left:
        st.subheader("Open pipeline by stage")
        if by_stage:
            st.altair_chart(charts.steps(by_stage, "money", "Open pipeline", "Stage"),
                            width="stretch")
        weighted = k["pipeline_value"].extra.get("weighted")
        if weighted is not None:
            st.caption(f"Weighted by each deal's probability: {view.fmt(weighted, 'money')}.")
    with right:
        st.subheader("Open pipeline by probability")
        bands = k["deals_by_stage"].extra.get("value_by_probability_band") or {}
        if bands:
            st.altair_chart(charts.steps({f"{b} %": v for b, v in bands.items()}, "money",
                                         "Open pipeline", "Probability"), width="stretch")
        else:
            st.caption("Your deals have no probability column.")

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Stage-to-stage conversion")
        steps = k["stage_conversion"].by.get("step", {})
        if k["stage_conversion"].available and steps:
            st.altair_chart(charts.steps({s.replace("->", " → "): v for s, v in steps.items()},
                                         "percent", "Conversion", "Step"), width="stretch")
            st.caption(k["stage_conversion"].explanation or "")
        else:
            st.caption(view.unlock_text(k["stage_conversion"]))
    with right:
        st.subheader("Time in stage")
        stages = k["time_in_stage"].by.get("stage", {})
        if k["time_in_stage"].available and stages:
            st.altair_chart(charts.ranked_bars(stages, "days", "Time in stage", "stage"),
                            width="stretch")
        else:
            st.caption(view.unlock_text(k["time_in_stage"]))

st.divider()
left, right = st.columns(2, gap="large")
with left:
    st.subheader("Lead funnel")
    leads = k["leads_generated"]
    if not leads.available:
        view.missing_table("leads", "the lead funnel")
    else:
        funnel = {"Leads": leads.value}
        if k["qualified_leads"].available:
            funnel["Qualified"] = k["qualified_leads"].value
        for kpi_id, label in (("lead_to_opportunity_rate", "Opportunities"),
                              ("lead_conversion_rate", "Customers")):
            rate = k[kpi_id].value
            if k[kpi_id].available and rate is not None and leads.value:
                funnel[label] = leads.value * rate / 100
        st.altair_chart(charts.steps(funnel, "count", "Leads", "Step"), width="stretch")
        st.caption(k["lead_conversion_rate"].explanation or "")
with right:
    st.subheader("Shop funnel")
    shop = k["ecommerce_funnel"]
    if shop.available and shop.by.get("step"):
        st.altair_chart(charts.steps({s.replace("->", " → ").replace("_", " "): v
                                      for s, v in shop.by["step"].items()},
                                     "percent", "Step conversion", "Step"), width="stretch")
        st.caption(shop.explanation or "")
    else:
        st.caption(view.unlock_text(shop) if not shop.available else
                   "Your marketing file has no view / add-to-cart / checkout columns.")
