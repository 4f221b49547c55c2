"""Upload files and see what each one was recognised as (the engine does the work)."""

import polars as pl
import streamlit as st

from kpi_engine.ingest.dataset import load
from kpi_engine.ingest.report import source_entry

st.title("Your sales files")
st.caption(
    "Drop your exports (web-shop orders, CRM deals, leads, calls, marketing spend, targets). "
    "Nothing leaves this browser session."
)
files = st.file_uploader(
    "CSV or Excel files", type=None, accept_multiple_files=True, key="uploads"
)
if not files:
    st.info("Upload one or more files to see what we read in them.")
    st.stop()

key = tuple((f.name, f.size, hash(f.getvalue())) for f in files)
if st.session_state.get("dataset_key") != key:
    with st.status("Reading your files…", expanded=False):
        st.session_state["dataset"] = load([(f.name, f.getvalue()) for f in files])
        st.session_state["dataset_key"] = key
ds = st.session_state["dataset"]

for p in ds.problems:
    st.warning(f"**{p.file}**{' · ' + p.sheet if p.sheet else ''}: {p.message}")

for s in ds.sources:
    e = source_entry(s)
    title = f"{e['file']}" + (f" · {e['sheet']}" if e["sheet"] else "")
    with st.expander(f"{title} → {e['table'] or 'not used'}", expanded=True):
        if e["table"] is None:
            st.write(f"Not used: {e['reason']}.")
            continue
        c1, c2, c3 = st.columns(3)
        c1.metric("Rows read", f"{e['rows_read']:,}")
        c2.metric("Rows used", f"{e['rows_used']:,}")
        c3.metric("Set aside", f"{sum(e['rows_set_aside'].values()):,}")
        if e["rows_set_aside"]:
            st.write(", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in e["rows_set_aside"].items()))
        st.dataframe(
            pl.DataFrame(
                {
                    "Your column": list(e["columns"]),
                    "Read as": [c["field"] or "—" for c in e["columns"].values()],
                    "Confidence": [c["confidence"] for c in e["columns"].values()],
                }
            ),
            hide_index=True,
        )

aside = ds.set_aside()
if aside.height:
    st.download_button(
        "Download the rows set aside (CSV)",
        aside.write_csv().encode("utf-8"),
        file_name="rows_set_aside.csv",
        mime="text/csv",
    )
