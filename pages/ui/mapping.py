"""What was read in one file or sheet, and its column mapping as an editable table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from kpi_engine.model import TABLES
from pages.ui import state, view

if TYPE_CHECKING:
    from kpi_engine.ingest.dataset import Dataset, Source

NOT_USED = "— not used —"
NO_TABLE = "— do not use this sheet —"
TABLE_TITLES = {
    "orders": "Orders", "deals": "Deals", "stage_history": "Deal stage history",
    "leads": "Leads", "activities": "Activities", "subscriptions": "Subscriptions",
    "marketing": "Marketing", "targets": "Targets", "competitor_prices": "Competitor prices",
}
KEY_FIELDS = {"revenue", "amount", "customer_id", "rep", "status", "stage", "cost", "mrr",
              "target"}  # named in the one-line summary beside the required fields
REASONS = {
    "blank": "blank rows", "repeated_header": "repeated header rows", "footer": "footer notes",
    "totals": "totals rows", "bad_date": "rows without a readable date",
    "missing_required_column": "rows of a sheet missing a required column",
    "missing_required": "rows without a required value", "unreadable": "unreadable records",
    "duplicate": "duplicates of rows in another file", "cancelled": "cancelled orders",
    "other_currency": "rows in another currency",
}


def title(source: Source) -> str:
    raw = source.raw
    return raw.file + (f" · {raw.sheet}" if raw.sheet else "")


def reason_text(reason: str) -> str:
    return REASONS.get(reason, reason.replace("_", " "))


def first_values(source: Source, index: int, n: int = 3) -> str:
    col = source.raw.cells.get_column(f"c{index}")
    values = col.filter(col.str.strip_chars() != "").head(n).to_list()
    return " · ".join(v[:30] for v in values)


def preview(source: Source, n: int = 5) -> pl.DataFrame:
    raw = source.raw
    cells = raw.cells.head(n)
    return cells.rename({f"c{i}": h for i, h in enumerate(raw.header) if f"c{i}" in cells.columns})


def show(ds: Dataset, position: int) -> None:
    """One source: rows read/used/set aside, the mapping editor and a preview."""
    s = ds.sources[position]
    rec = s.recognition
    if rec.table is None:
        st.write(f"Not used: {view.md(rec.reason or 'no table recognised')}.")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("Rows read", f"{s.raw.rows_read:,}")
        c2.metric("Rows used", f"{s.rows_used:,}")
        aside = s.set_aside_counts()
        c3.metric("Set aside", f"{sum(aside.values()):,}")
        if aside:
            st.caption("Set aside: " + ", ".join(f"{v:,} {reason_text(k)}"
                                                  for k, v in aside.items()))
        if rec.missing_required:
            st.warning("Pick the column that holds "
                       + ", ".join(f"**{f.replace('_', ' ')}**" for f in rec.missing_required)
                       + " in the table below, or this sheet cannot be used.")
        key_fields = [c for c in rec.columns if c.field in TABLES[rec.table].required
                      or c.field in KEY_FIELDS]
        if key_fields:
            st.markdown("We read " + ", ".join(
                f"*{view.md(c.header)}* as **{c.field.replace('_', ' ')}** ({c.confidence:.0%} sure)"
                for c in key_fields if c.field) + ". Wrong? Pick another field below.")
        if s.built and s.built.notes:
            st.caption("How values were read: " + "; ".join(view.md(n) for n in s.built.notes))
    _editor(ds, position)
    if s.raw.cells.height:
        with st.popover("First rows of the file"):
            st.dataframe(preview(s), hide_index=True)


def _editor(ds: Dataset, position: int) -> None:
    s = ds.sources[position]
    rec = s.recognition
    if not rec.columns:
        return
    key = f"map_{state.version()}_{position}"
    tables = [NO_TABLE, *TABLES]
    current = rec.table or NO_TABLE
    table = st.selectbox(
        "This sheet holds", tables, index=tables.index(current),
        format_func=lambda t: TABLE_TITLES.get(t, t), key=f"{key}_table",
    )
    chosen_table = None if table == NO_TABLE else table
    fields = list(TABLES[chosen_table].field_names) if chosen_table else []
    rows = pl.DataFrame({
        "Your column": [c.header for c in rec.columns],
        "First values": [first_values(s, c.index) for c in rec.columns],
        "Read as": [c.field if (c.field and chosen_table == rec.table) else NOT_USED
                    for c in rec.columns],
        "Confidence": [c.confidence if chosen_table == rec.table else 0.0
                       for c in rec.columns],
    })
    edited = st.data_editor(
        rows, key=f"{key}_editor", hide_index=True, disabled=["Your column", "First values",
                                                              "Confidence"],
        column_config={
            "Read as": st.column_config.SelectboxColumn(
                "Read as", options=[NOT_USED, *fields], required=True,
                help="The field of our model this column feeds. Pick “not used” to ignore it."),
            "Confidence": st.column_config.ProgressColumn(
                "Confidence", min_value=0.0, max_value=1.0, format="percent"),
        },
    )
    before = dict(zip(rows["Your column"], rows["Read as"], strict=True))
    after = dict(zip(edited["Your column"], edited["Read as"], strict=True))
    changed = {h: (None if f == NOT_USED else f) for h, f in after.items() if before[h] != f}
    if chosen_table == rec.table and not changed:
        return
    what = TABLE_TITLES.get(chosen_table or "", "not used")
    label = f"Use this mapping ({len(changed)} column{'s' * (len(changed) != 1)} changed)" \
        if chosen_table == rec.table else f"Read this sheet as {what}"
    if st.button(label, key=f"{key}_apply", type="primary"):
        _apply(ds, position, chosen_table, changed)


def _apply(ds: Dataset, position: int, table: str | None,
           changed: dict[str, str | None]) -> None:
    s = ds.sources[position]
    try:
        new = ds.with_mapping(position, table, changed)
    except ValueError as exc:
        st.error(f"That mapping cannot be used: {view.md(exc)}")
        return
    parts = [f"{h} → {f or 'not used'}" for h, f in changed.items()]
    note = f"{title(s)}: " + (", ".join(parts) if parts else f"read as {table or 'not used'}")
    state.replace_dataset(new, note)
    st.toast(f"Mapping saved — {view.md(note)}", icon=":material/check_circle:")
    st.rerun()
