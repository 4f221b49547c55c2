"""What-if planner: start from your own numbers, move the drivers, see what it takes to hit next
month's target; goal seek for every driver; scenarios side by side."""

import streamlit as st

from kpi_engine.whatif import BASELINE, Scenario, compare_scenarios, extras, plan, quota_split
from pages.ui import planner, sidebar, state, view

sidebar.show()
st.title("What-if planner")
if view.need_data():
    st.stop()

months = st.selectbox("Start from", list(planner.BASE_MONTHS), key="wi_base",
                      persist_state="session",
                      format_func=planner.BASE_MONTHS.get,
                      help="The period whose actual numbers (per month) the drivers start from.")
b = planner.base(months)
if b is None or not b.trees:
    st.info("None of the planner's driver trees has all its numbers in this period. Try a "
            "longer period above, or add the files it needs: leads (with conversions) and "
            "won deals for the lead tree; open and won deals for the pipeline tree; orders "
            "with a customer column for the customer tree; subscriptions for recurring "
            "revenue; orders with costs for profit.")
    for m in b.messages if b else ():
        st.caption(m)
    st.page_link(view.UPLOAD_PAGE, label="Upload more files", icon=":material/upload_file:")
    st.stop()

st.caption(f"Your drivers are the actual values of {b.start:%d %b %Y} – {b.end:%d %b %Y} "
           f"(per month). The plan starts in {b.first_month:%B %Y}.")

if state.query().filters:
    st.caption("The planner works on all your data: the sidebar's filters do not apply here.")

top = st.columns([1, 1, 1], vertical_alignment="bottom")
default_target = b.default_target or state.settings().monthly_target or 0.0
target = top[0].number_input(
    "Target revenue per month", min_value=0.0, value=float(round(default_target, 2)),
    step=1000.0, key=f"wi_target_{state.version()}",
    help="From your targets file (the company target of the first month), else the monthly "
         "target of Settings.")
horizon = top[1].slider("Months ahead", 1, 12, 3, key="wi_horizon")
trees = list(b.trees)
tree = st.segmented_control("Plan from", trees, default=trees[0], required=True,
                            format_func=planner.TREE_TITLES.get, key="wi_tree") or trees[0]
if not target:
    st.warning("Type a monthly target to see attainment and what it takes to reach it.")

left, right = st.columns([1, 2], gap="large")
with left:
    st.markdown(f"**{planner.TREE_TITLES[tree]}**")
    st.caption(planner.TREE_FORMULAS[tree])
    changes = planner.sliders(b, tree, f"wi_{state.version()}_{months}_{tree}")
    if changes and st.button("Back to my actual values"):
        for k in list(st.session_state):
            if str(k).startswith(f"wi_{state.version()}_{months}_{tree}_"):
                del st.session_state[k]
        st.rerun()

doc = plan(b, target or 1.0, horizon, changes)  # without a target: the projection only
entry = doc["trees"][tree]
st.session_state[planner.PLAN] = {"target": target, "horizon": horizon, "changes": changes,
                                  "base_months": months}

with right:
    first = next(iter(entry["scenario"].values()))
    base_first = next(iter(entry["baseline"].values()))
    cards = st.container(horizontal=True)
    label = "MRR" if tree == "recurring" else "Revenue"
    cards.metric(f"{label}, {b.first_month:%b %Y}", view.fmt(first, "money", compact=True),
                 view.fmt(first - base_first, "money") if changes else None, border=True,
                 delta_description="vs your actual drivers" if changes else None)
    if target:
        cards.metric("Of target", view.fmt(entry["attainment"], "percent"), border=True)
        gap = entry["gap"]
        cards.metric("Gap to target" if gap > 0 else "Above target",
                     view.fmt(abs(gap), "money", compact=True), border=True)
    if tree == "profit":
        cards.metric("Profit per month", view.fmt(next(iter(entry["profit"].values())),
                                                  "money", compact=True), border=True)
    st.altair_chart(planner.chart(b, tree, entry, target), width="stretch")

if target:
    st.subheader("What it would take")
    st.caption(f"Each line: the one change that alone reaches {view.fmt(target, 'money')} in "
               f"{b.first_month:%B %Y}, the other drivers as set above.")
    st.dataframe(planner.solve_rows(b, tree, entry["scenario_drivers"], target),
                 hide_index=True)

    ex = extras(b, target, changes)
    cols = st.columns(3)
    if ex.required_pipeline is not None:
        cols[0].metric("Pipeline needed for 3× coverage", view.fmt(3 * target, "money",
                                                                    compact=True),
                       help="3 × the monthly target, against your open pipeline of "
                            f"{view.fmt(ex.open_pipeline, 'money')}")
        cols[0].caption("Covered by your open pipeline." if ex.required_pipeline <= 0 else
                        f"{view.fmt(ex.required_pipeline, 'money')} more than you have open.")
    if ex.cac is not None:
        cols[1].metric("CAC in this scenario", view.fmt(ex.cac, "money"))
    if ex.ltv_cac is not None:
        cols[2].metric("LTV : CAC in this scenario", f"{ex.ltv_cac:.1f} : 1",
                       help="About 3 : 1 is healthy.")

    if b.reps:
        st.subheader("Split the target over the reps")
        how = st.segmented_control("Split", ["equal", "attainment"], default="equal",
                                   required=True, key="wi_split", format_func={
                                       "equal": "Equally",
                                       "attainment": "By past attainment"}.get) or "equal"
        split = quota_split(b, target, how)  # type: ignore[arg-type]
        st.dataframe([{"Rep": r, "Target per month": view.fmt(v, "money"),
                       "Past attainment": view.fmt(b.rep_attainment.get(r), "percent")}
                      for r, v in split.items()], hide_index=True)

st.subheader("Scenarios")
saved: list[Scenario] = st.session_state.setdefault(planner.SCENARIOS, [])
c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
name = c1.text_input("Name this scenario", placeholder="e.g. More leads from trade fairs",
                     key="wi_name")
if c2.button("Save scenario", disabled=not changes or not name):
    saved[:] = [s for s in saved if s.name != name] + [Scenario(name, dict(changes))]
    st.toast(f"Saved “{view.md(name)}”", icon=":material/check_circle:")
if saved and target:
    rows = compare_scenarios(b, target, horizon, saved)
    st.dataframe([{
        "Scenario": r.scenario, "Changes": "—" if r.scenario == BASELINE else ", ".join(
            f"{k.split('.')[-1].replace('_', ' ')} {planner.fmt(k.split('.')[-1], v)}"
            for k, v in next(s for s in saved if s.name == r.scenario).changes.items()),
        f"{b.first_month:%b %Y}": view.fmt(r.first_month, "money"),
        f"Total over {horizon} months": view.fmt(r.total, "money"),
        "Of target": view.fmt(r.attainment, "percent"),
    } for r in rows if r.tree == tree], hide_index=True)
elif not saved:
    st.caption("Move a slider, name the scenario and save it to compare it with your "
               "actual drivers.")
others = tuple(f"{t} tree" for t in trees if t != tree)
for m in doc["messages"]:
    if not m.startswith(others):
        st.caption(m)
