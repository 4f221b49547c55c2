"""Settings: the numbers a small business rarely has in a file (catalogue section 1, settings)
and how numbers are shown. Every page reads them at once; nothing is re-read."""

import calendar
import datetime as dt

import streamlit as st

from kpi_engine.query import Settings
from kpi_engine.units import CURRENCY_SYMBOLS
from pages.ui import sidebar, state

sidebar.show()
st.title("Settings")
st.caption("Numbers that are rarely in a file. Leave a box empty when you do not know it: "
           "the KPIs that need it will say so instead of guessing.")
s = state.settings()
ds = state.dataset()

st.subheader("Costs and team")
c1, c2, c3 = st.columns(3)
sales_costs = c1.number_input(
    "Sales costs per month", min_value=0.0, value=s.sales_costs_per_month, step=100.0,
    placeholder="e.g. 12000", help="Salaries, commissions, tools of the sales team. Used by "
    "CAC, LTV:CAC and the profit estimate.")
marketing_costs = c2.number_input(
    "Marketing costs per month", min_value=0.0, value=s.marketing_costs_per_month, step=100.0,
    placeholder="from your marketing file", help="Only when you have no marketing spend file.")
reps = c3.number_input("Number of sales reps", min_value=1, value=s.number_of_reps, step=1,
                       placeholder="counted from your files",
                       help="Used by sales per rep when the files do not name the reps.")

st.subheader("Targets and pace")
c1, c2, c3 = st.columns(3)
target = c1.number_input("Monthly revenue target", min_value=0.0, value=s.monthly_target,
                         step=1000.0, placeholder="from your targets file",
                         help="Used when no targets file gives a company target for a month.")
selling_days = c2.number_input("Selling days per month", min_value=1, max_value=31,
                               value=s.selling_days_per_month, step=1,
                               help="Pipeline velocity per month and the planner use it.")
stale = c3.number_input("A deal or lead is stale after (days without contact)", min_value=1,
                        max_value=365, value=s.stale_after_days, step=1)
fy_start = st.selectbox("Fiscal year starts in", list(range(1, 13)),
                        index=s.fiscal_year_start - 1, format_func=lambda m: calendar.month_name[m],
                        help="Quarters and years follow it (labels FY2025-Q1 …).")

st.subheader("New product launch (cannibalization)")
products: list[str] = []
if ds is not None and "orders" in ds.tables and "product" in ds.tables["orders"].columns:
    products = sorted(v for v in ds.tables["orders"]["product"].drop_nulls().unique().to_list()
                      if v)
c1, c2, c3 = st.columns(3)
new_product = c1.selectbox("New product", [None, *products],
                           index=([None, *products].index(s.new_product)
                                  if s.new_product in products else 0),
                           format_func=lambda p: p or "—")
old_product = c2.selectbox("Product it may replace", [None, *products],
                           index=([None, *products].index(s.old_product)
                                  if s.old_product in products else 0),
                           format_func=lambda p: p or "—")
launch = c3.date_input("Launch date", value=s.launch_date, format="YYYY-MM-DD")

state.set_settings(Settings(
    sales_costs_per_month=sales_costs, marketing_costs_per_month=marketing_costs,
    number_of_reps=int(reps) if reps else None, selling_days_per_month=int(selling_days),
    stale_after_days=int(stale), monthly_target=target, fiscal_year_start=int(fy_start),
    new_product=new_product, old_product=old_product,
    launch_date=launch if isinstance(launch, dt.date) else None,
))

st.subheader("How numbers look")
d = state.display()
c1, c2 = st.columns(2)
comma = c1.toggle("Decimal comma (1 234,56)", value=d.decimal_comma)
options = [None, *CURRENCY_SYMBOLS]
upload_currency = ds.currency if ds else None
currency = c2.selectbox(
    "Currency shown", options, index=options.index(d.currency) if d.currency in options else 0,
    format_func=lambda c: f"as in the files ({upload_currency or 'none found'})" if c is None
    else c, help="Only the label changes; amounts are never converted.")
state.set_display(state.Display(decimal_comma=comma, currency=currency))
