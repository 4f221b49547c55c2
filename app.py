"""Sales KPIs from your own exports — the Streamlit entry point (router only).

The full app (upload, mapping review, KPI pages) comes with its own issue; this page already
reads the files a user drops and shows what was recognised in each one.
"""

import streamlit as st

st.set_page_config(page_title="Sales KPIs from your exports", page_icon="📈", layout="wide")

pages = {
    "Your data": [st.Page("pages/upload.py", title="Upload and check", icon="📂", default=True)],
}
st.navigation(pages).run()
