"""Upload and check: drop files (or try the sample data), see what each was read as, fix the
mapping, download the rows set aside. The engine does the reading; this page only shows it."""

import time

import streamlit as st

from kpi_engine.catalogue import load_all
from kpi_engine.evaluate import missing_by_kpi
from kpi_engine.model import TABLES
from pages.ui import mapping, sidebar, state, view

sidebar.show()
st.title("Your sales files")
st.caption(
    "Drop the exports you already have — web-shop orders, CRM deals and stage history, leads, "
    "calls and meetings, marketing spend, targets, subscriptions, competitor prices. CSV or "
    "Excel, any language. Your files stay in this browser session: never stored, never shared."
)

left, right = st.columns([3, 1], vertical_alignment="center")
files = left.file_uploader(
    "CSV or Excel files", accept_multiple_files=True, key="uploads", type=None,
    help="Up to 256 MB per file (the reader's limit for a CSV; larger exports: split by year).")
if right.button("Try with sample data", icon=":material/science:", width="stretch",
                help="A fictional Polish-Swedish outdoor shop: orders, CRM, leads, "
                     "marketing, subscriptions, targets and competitor prices."):
    state.load_sample()
    st.rerun()  # the sidebar above now has dates and filters to offer

if files:
    key = state.upload_key(files)
    if state.loaded_key() != key:
        size = sum(f.size for f in files)
        with st.status(f"Reading {len(files)} file{'s' * (len(files) != 1)} "
                       f"({size / 1e6:,.1f} MB)…", expanded=False) as box:
            t0 = time.perf_counter()
            try:
                from kpi_engine.ingest.dataset import load

                ds = load([(f.name, f.getvalue()) for f in files])
            except Exception:  # noqa: BLE001 - the reader reports per file; this is the last guard
                box.update(label="These files could not be read", state="error")
                st.error("Something in these files stopped the reader. Try the files one by "
                         "one to find the one that fails; the others will still load.")
                st.stop()
            state.set_dataset(ds, key)
            box.update(label=f"Read {len(files)} file{'s' * (len(files) != 1)} in "
                             f"{time.perf_counter() - t0:.1f} s", state="complete")
        st.rerun()

ds = state.dataset()
if ds is None:
    st.info("Upload one or more files, or click **Try with sample data** to see the app "
            "with a real-looking shop.")
    st.stop()

if not files and state.loaded_key() != "sample":
    st.caption("Showing the files you uploaded earlier in this session.")
if state.loaded_key() == "sample":
    st.success("Showing the **sample data** of a fictional outdoor shop. Upload your own "
               "files above to replace it.")

for p in ds.problems:
    if not p.sheet and p.message.startswith(p.file):  # the message names the file: once
        rest = p.message[len(p.file):]  # (md() trims the space after the name: put it back)
        st.warning(f"**{view.md(p.file)}**{' ' if rest[:1].isspace() else ''}{view.md(rest)}")
    else:
        st.warning(f"**{view.md(p.file)}**{' · ' + view.md(p.sheet) if p.sheet else ''}: "
                   f"{view.md(p.message)}")

if state.has_rows():
    st.page_link("pages/overview.py", label="See your KPIs", icon=":material/monitoring:")

# -- the checklist of canonical tables -------------------------------------------------------
st.subheader("What we found")
unlocks: dict[str, list[str]] = {}
registry = load_all()
for kpi_id, missing in missing_by_kpi(ds.tables, state.query()).items():
    for table in dict.fromkeys(a.partition(".")[0] for a in missing):
        unlocks.setdefault(table, []).append(registry[kpi_id].name)
cols = st.columns(3)
for i, (name, table) in enumerate(TABLES.items()):
    with cols[i % 3]:
        title = mapping.TABLE_TITLES[name]
        df = ds.tables.get(name)
        if df is not None and df.height:
            st.markdown(f":green[:material/check_circle:] **{title}** — {df.height:,} rows")
        else:
            missing = unlocks.get(name, [])
            more = f": unlocks {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}" \
                if missing else ""
            st.markdown(f":gray[:material/radio_button_unchecked:] **{title}** — not uploaded{more}")
            st.caption(table.description)
log = st.session_state.get(state.MAPPING_LOG) or []
if log:
    st.caption("Your changes: " + "; ".join(view.md(n) for n in log))

# -- each file and sheet --------------------------------------------------------------------
st.subheader("Each file and sheet")
for position, s in enumerate(ds.sources):
    table = s.recognition.table
    what = mapping.TABLE_TITLES.get(table, "not used") if table else "not used"
    conf = f" ({s.recognition.confidence:.0%} sure)" if table else ""
    with st.expander(f"{view.md(mapping.title(s))} → **{what}**{conf}", expanded=table is not None
                     and bool(s.recognition.missing_required)):
        mapping.show(ds, position)

# -- rows set aside ---------------------------------------------------------------------------
aside = ds.set_aside()
st.subheader("Rows set aside")
if aside.height:
    counts = aside.group_by("reason").len().sort("len", descending=True)
    st.write(", ".join(f"{n:,} {mapping.reason_text(r)}" for r, n in counts.iter_rows())
             + ". They are not counted in any KPI.")
    st.download_button("Download the rows set aside (CSV)", aside.write_csv().encode("utf-8"),
                       file_name="rows_set_aside.csv", mime="text/csv", icon=":material/download:")
else:
    st.write("None: every row of your files is used.")
