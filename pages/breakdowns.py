"""Breakdowns: a KPI by rep, region, channel, product, segment… as ranked bars and a table,
with the rows behind any bar one click away."""

import polars as pl
import streamlit as st

from kpi_engine.catalogue import atoms, load_all
from kpi_engine.context import DATE_OF
from pages.ui import charts, sidebar, state, view

DIMENSIONS = ("rep", "region", "channel", "product", "segment", "team", "campaign", "stage",
              "probability_band", "type", "step", "touches", "outreach_method")
FIRST = ["revenue_by_region", "revenue", "gross_margin", "won_revenue", "win_rate",
         "lead_conversion_rate"]

sidebar.show()
st.title("Breakdowns")
if view.need_data():
    st.stop()

registry = load_all()
res = state.results()
assert res is not None
with_by = {k: r for k, r in res.kpis.items() if r.available and r.by}
if not with_by:
    st.info("None of the KPIs of your files can be split by rep, region, channel or product: "
            "those columns are not in the files yet.")
    st.stop()

order = [k for k in FIRST if k in with_by] + [k for k in with_by if k not in FIRST]
c1, c2 = st.columns([2, 3])
kpi_id = c1.selectbox("KPI", order, format_func=lambda k: registry[k].name, key="bd_kpi")
r = with_by[kpi_id]
dims = [d for d in r.by if r.by[d]]
with c2:
    dim = st.segmented_control("By", dims, default=dims[0], key=f"bd_dim_{kpi_id}",
                               format_func=lambda d: d.replace("_", " ").capitalize(),
                               required=True) or dims[0]
rows = {k: v for k, v in r.by[dim].items() if isinstance(v, int | float)}
st.caption(f"{r.name} for {res.start} – {res.end}: {view.fmt(r.value, r.unit)} in total "
           f"({registry[kpi_id].formula})")

left, right = st.columns([1, 1], gap="large")
with left:
    st.altair_chart(charts.ranked_bars(rows, r.unit, r.name, dim), width="stretch")
with right:
    ranked = sorted(rows.items(), key=lambda kv: kv[1], reverse=True)
    share = r.unit in ("money", "count") and sum(rows.values()) > 0
    total = sum(rows.values())
    table = pl.DataFrame({
        dim.replace("_", " ").capitalize(): [k for k, _ in ranked],
        r.name: [view.fmt(v, r.unit) for _, v in ranked],
        **({"Share": [v / total for _, v in ranked]} if share else {}),
    })
    picked = st.dataframe(
        table, hide_index=True, on_select="rerun", selection_mode="single-row",
        key=f"bd_table_{kpi_id}_{dim}",
        column_config={"Share": st.column_config.ProgressColumn(
            "Share", min_value=0.0, max_value=1.0, format="percent")},
    )
    options = [k for k, _ in ranked]
    clicked = picked.selection.rows if picked else []
    value = st.selectbox(
        "See the records behind", options, key=f"bd_pick_{kpi_id}_{dim}",
        index=clicked[0] if clicked else None, placeholder="click a row above, or pick one")

if value is not None:
    ds = state.dataset()
    tables = [a.partition(".")[0] for a in atoms(registry[kpi_id].inputs)]
    source = next((t for t in dict.fromkeys(tables) if t in ds.tables
                   and dim in ds.tables[t].columns), None)
    if source is None:
        st.info(f"The records behind “{view.md(value)}” are not kept in one table.")
    else:
        df = ds.tables[source]
        date_col = DATE_OF.get(source)
        if date_col in df.columns:
            start, end = pl.lit(res.start).str.to_date(), pl.lit(res.end).str.to_date()
            df = df.filter(pl.col(date_col).cast(pl.Date).is_between(start, end))
        for fdim, fval in state.query().filters.items():
            if fdim in df.columns:
                df = df.filter(pl.col(fdim).str.to_lowercase() == fval.lower())
        df = df.filter(pl.col(dim).cast(pl.String) == value)
        shown = df.select([c for c in df.columns if not c.startswith("_")])
        st.subheader(f"{source.replace('_', ' ').capitalize()} with {dim} = {view.md(value)}")
        st.caption(f"{shown.height:,} records in the date range"
                   + (" (the first 1,000 shown)" if shown.height > 1000 else ""))
        st.dataframe(shown.head(1000), hide_index=True)
        st.download_button("Download these records (CSV)", shown.write_csv().encode("utf-8"),
                           file_name=f"{source}_{dim}_{value}.csv"[:80], mime="text/csv")
