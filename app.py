"""Sales KPIs from your own exports — the Streamlit entry point: page config and navigation.

Each page starts with `sidebar.show()` (the shared date range, grain and filters): a page
script then renders whole, which is also how Streamlit's AppTest runs pages."""

import logging

import streamlit as st

st.set_page_config(page_title="Sales KPIs from your exports", page_icon=":material/monitoring:",
                   layout="wide")

pages = {
    "Your data": [
        st.Page("pages/upload.py", title="Upload and check", icon=":material/upload_file:", default=True),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
    "Results": [
        st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:"),
        st.Page("pages/catalogue.py", title="KPI catalogue", icon=":material/menu_book:"),
        st.Page("pages/breakdowns.py", title="Breakdowns", icon=":material/bar_chart:"),
        st.Page("pages/pipeline.py", title="Pipeline and funnel", icon=":material/filter_alt:"),
        st.Page("pages/customers.py", title="Customers", icon=":material/groups:"),
    ],
    "Plan": [
        st.Page("pages/what_if.py", title="What-if planner", icon=":material/tune:"),
        st.Page("pages/export.py", title="Download", icon=":material/download:"),
    ],
}
try:
    st.navigation(pages).run()
except Exception:  # noqa: BLE001 - the last guard: a friendly message, never a traceback
    logging.getLogger("app").exception("page failed")
    st.error("Something went wrong while showing this page. Your files are still loaded: "
             "try another page or other dates, or upload the files again. If it keeps "
             "happening, the rows set aside on Upload and check may point to the cause.")
