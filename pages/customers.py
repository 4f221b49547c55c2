"""Customers: new vs returning, retention and churn over time, CLV by every method, CAC and
LTV:CAC against the 3 : 1 benchmark, churn by rep."""

import streamlit as st

from pages.ui import charts, sidebar, state, view

CARDS = ["new_customers", "customer_retention_rate", "churn_rate", "clv", "cac",
         "ltv_cac_ratio", "purchase_frequency", "customer_lifespan"]
MORE = ["churn_by_rep", "orders_count", "repeat_sales_by_channel", "expansion_revenue"]
CLV_METHODS = {
    "apv_x_frequency_x_lifespan": "Average purchase × frequency × lifespan",
    "clv_revenue_minus_cac": "Revenue per customer − CAC",
    "clv_margin_churn_arpa": "ARPA × gross margin / churn",
}

sidebar.show()
st.title("Customers")
if view.need_data():
    st.stop()

res = state.results(only=CARDS + MORE)
assert res is not None
k = res.kpis
if not k["new_customers"].available:
    view.missing_table("orders", "new and returning customers, retention, churn and CLV "
                       "(a web-shop or invoicing export with a customer column)")
    st.stop()

row = st.container(horizontal=True)
for kpi_id in CARDS:
    with row.container(width=260):
        view.kpi_card(k[kpi_id])

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Retention and churn")
    series = {r.name: r.by_period for r in (k["customer_retention_rate"], k["churn_rate"])
              if r.available}
    if series:
        st.altair_chart(charts.lines(series, "percent", "Share of customers"), width="stretch")
        st.caption("Each period: customers kept (or lost) out of those active at its start. "
                   "The headline is the last complete period.")
with right:
    st.subheader("New customers")
    if k["new_customers"].by_period:
        target = k["new_customers"].extra.get("target")
        st.altair_chart(charts.trend(k["new_customers"]), width="stretch")
        if target:
            st.caption(f"Target for the range: {view.fmt(target, 'count')} — "
                       f"{k['new_customers'].extra.get('attainment_pct', 0):.0f} % reached.")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Customer lifetime value, every method")
    clv = k["clv"]
    if clv.available:
        method = clv.extra.get("method")
        rows = [{"Method": CLV_METHODS.get(method, method), "CLV": view.fmt(clv.value, "money"),
                 "Used for the headline": "yes"}]
        for key, label in CLV_METHODS.items():
            if key != method and clv.extra.get(key) is not None:
                rows.append({"Method": label, "CLV": view.fmt(clv.extra[key], "money"),
                             "Used for the headline": ""})
        st.dataframe(rows, hide_index=True)
        st.caption(clv.explanation or "")
    else:
        st.caption(view.unlock_text(clv))
with right:
    st.subheader("LTV : CAC")
    ratio = k["ltv_cac_ratio"]
    if ratio.available and ratio.value is not None:
        st.metric("LTV : CAC", f"{ratio.value:.1f} : 1", help=view.band_text("ltv_cac_ratio"))
        view.status_badge(ratio.status)
        st.caption("About 3 : 1 is healthy; at 1 : 1 or below each customer costs what they "
                   "bring; at 5 : 1 or more you may be spending too little on growth. Keeping "
                   "a customer costs 5–25 × less than winning one.")
    else:
        st.caption(view.unlock_text(ratio))

churn_rep = k["churn_by_rep"]
if churn_rep.available and churn_rep.by.get("rep"):
    st.subheader(f"Churn by rep ({churn_rep.extra.get('period', 'last period')})")
    st.altair_chart(charts.ranked_bars(churn_rep.by["rep"], "percent", "Churn", "rep"),
                    width="stretch")
