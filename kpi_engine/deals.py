"""Deals as the KPIs see them (catalogue section 2, "Deals and pipeline").

- status: the status cell, else from the stage name (done at ingest: deals.status is filled).
- a won/lost deal's close day: its close_date, else the entered_date of its last stage_history
  entry; with neither it closed at an unknown date (never open, in no outcome KPI).
- open at instant t: created on or before t and not won/lost with a close day on or before t.
"""

from __future__ import annotations

import polars as pl

from kpi_engine.context import Context


def deals_lf(ctx: Context) -> pl.LazyFrame:
    """Every deal with `created` (day), `closed` (day a won/lost deal closed, null when open or
    unknown) and `dkey` (deal_id, else the row)."""
    lf = ctx.lf("deals")
    assert lf is not None
    lf = lf.with_row_index("_row").with_columns(
        created=pl.col("created_date").dt.date(),
        dkey=pl.coalesce(pl.col("deal_id"), pl.lit("#row") + pl.col("_row").cast(pl.String)),
    )
    close = pl.col("close_date").dt.date()
    history, uploaded = ctx.lf("stage_history"), ctx.uploaded.get("stage_history")
    if history is not None and uploaded is not None and uploaded.height:
        last = history.group_by("deal_id").agg(last_entry=pl.col("entered_date").max().dt.date())
        lf = lf.join(last, on="deal_id", how="left", maintain_order="left")
        close = pl.coalesce(close, pl.col("last_entry"))
    return lf.with_columns(
        closed=pl.when(pl.col("status").is_in(["won", "lost"])).then(close).otherwise(None)
    )
